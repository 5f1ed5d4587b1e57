"""One Kiwi per process and per configuration, built on first use."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from .errors import ConfigError

_KIWIS: dict[tuple, Any] = {}
_LOCK = threading.Lock()


def parse_user_word(item: str) -> tuple[str, str, float]:
    """``"단어"``, ``"단어/NNP"`` or ``"단어\tNNP\t0.0"`` -> (word, tag, score)."""
    item = item.strip()
    if "\t" in item:
        parts = item.split("\t")
        word, tag = parts[0], (parts[1] if len(parts) > 1 and parts[1] else "NNP")
        score = float(parts[2]) if len(parts) > 2 and parts[2] else 0.0
        return word, tag, score
    word, sep, tag = item.rpartition("/")
    if sep and word and tag.isupper():
        return word, tag, 0.0
    return item, "NNP", 0.0


def get_kiwi(model_type: str | None = None, num_workers: int | None = None,
             user_words: tuple[str, ...] = (), user_dict: str | None = None):
    key = (model_type, num_workers, tuple(user_words), user_dict)
    with _LOCK:
        kiwi = _KIWIS.get(key)
        if kiwi is None:
            from kiwipiepy import Kiwi

            try:
                kiwi = Kiwi(num_workers=num_workers, model_type=model_type)
            except Exception as e:  # e.g. an unknown model_type
                raise ConfigError(f"cannot build Kiwi (model_type={model_type!r}): {e}") from None
            for item in user_words:
                word, tag, score = parse_user_word(item)
                try:
                    kiwi.add_user_word(word, tag, score)
                except Exception as e:
                    raise ConfigError(
                        f"user word {item!r}: {e}. Use WORD or WORD/TAG with a Sejong tag "
                        "such as NNP, NNG, VV, VA."
                    ) from None
            if user_dict:
                path = Path(user_dict)
                if not path.is_file():
                    raise ConfigError(
                        f"user dictionary not found: {user_dict}. Give a TSV file with lines "
                        "WORD<TAB>TAG[<TAB>SCORE]."
                    )
                try:
                    kiwi.load_user_dictionary(str(path))
                except Exception as e:
                    raise ConfigError(
                        f"{user_dict}: not a Kiwi user dictionary ({e}); each line must be "
                        "WORD<TAB>TAG[<TAB>SCORE]."
                    ) from None
            _KIWIS[key] = kiwi
        return kiwi
