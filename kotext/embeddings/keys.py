"""The vocabulary keys of a document's tokens: what word vectors and the gru/lstm models
look words up by."""

from __future__ import annotations



from ..doc import Doc
from ..errors import UsageError

TOKEN_FORMATS = ("form", "form/tag")


# -- tokens -------------------------------------------------------------------------------
def doc_keys(doc: Doc, tokens: str = "form") -> list[str]:
    """The vocabulary keys of a document's tokens: ``배우`` or ``배우/NNG`` (lemmas when
    the tokenizer produced them); spaces inside a token become ``_``."""
    if not doc.tokens:
        return []
    out = []
    tagged = tokens == "form/tag"
    for t in doc.tokens:
        form = t.lemma or t.form
        if " " in form or "\t" in form:
            form = "_".join(form.split())
        out.append(f"{form}/{t.tag}" if tagged else form)
    return out


def check_tokens(tokens: str) -> str:
    if tokens not in TOKEN_FORMATS:
        raise UsageError(f"tokens={tokens!r}: use 'form' (배우) or 'form/tag' (배우/NNG)")
    return tokens
