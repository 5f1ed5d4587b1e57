"""The uniform stage shape: constructors store parameters, work happens in batches."""

from __future__ import annotations

import inspect
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, ClassVar

from ..doc import Doc


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lists of ``size`` items. When ``items`` raises, the items read before it still come
    out as a last batch, and then the error (a queue consumer lost up to a batch)."""
    it = iter(items)
    while True:
        batch: list[Any] = []
        try:
            batch.extend(islice(it, size))
        except Exception:
            if batch:
                yield batch
            raise
        if not batch:
            return
        yield batch


class Stage:
    """Base class of all stages: the stage contract.

    Subclasses set ``factory`` (the registry name, e.g. ``"kiwi.v1"``), ``requires`` and
    ``assigns`` (``Doc`` field names), store their constructor arguments as attributes of
    the same name (scikit-learn style, so ``to_config`` can rebuild them), and implement
    ``process_batch``. Expensive objects (a Kiwi, a model) are built lazily on first use,
    so a stage is cheap to construct and to rebuild in a worker process.

    The optional hooks below have defaults that do nothing; a stage overrides those it
    needs. :func:`kotext.testing.check_stage` checks a stage against this contract.
    """

    factory: ClassVar[str] = ""
    requires: ClassVar[frozenset[str]] = frozenset({"text"})
    assigns: ClassVar[frozenset[str]] = frozenset()
    name: str = ""

    # Help text of constructor options, shown by generated CLI options (``--help``).
    param_help: ClassVar[dict[str, str]] = {}
    # Options that name a file or folder: a relative path in a pipeline file is resolved
    # against the file's folder.
    path_params: ClassVar[tuple[str, ...]] = ()
    # A field the stage assigns only with some setting -> that setting, for the error a
    # pipeline raises when a later stage needs the field (``{"sentences": "sentences =
    # true"}``).
    assigns_when: ClassVar[dict[str, str]] = {}

    def process_batch(self, docs: list[Doc]) -> list[Doc]:  # pragma: no cover - abstract
        raise NotImplementedError

    # A stage whose work runs on its own threads (Kiwi) may also take one continuous
    # stream, so that its threads keep working while the stages around it run in
    # Python. ``Pipeline.pipe`` uses it when ``streams`` is true.
    streams: ClassVar[bool] = False

    def process_stream(self, docs: Iterator[Doc], pending: deque[Doc]) -> Iterator[Doc]:
        """Yield ``docs`` processed, in order; documents whose ``error`` is set pass
        through untouched. Each document taken is appended to ``pending`` and removed
        when yielded, so that after a failure the caller knows which ones were in flight.
        """
        raise NotImplementedError  # pragma: no cover - only for stages with streams = True

    def __call__(self, doc: Doc) -> Doc:
        return self.process_batch([doc])[0]

    def pipe(self, docs: Iterable[Doc], batch_size: int = 1000) -> Iterator[Doc]:
        for batch in batched(docs, batch_size):
            yield from self.process_batch(batch)

    @classmethod
    def param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def check_files(self) -> None:
        """Called when a pipeline is built from a file or config (``kotext validate``):
        fail now, naming the option, when a file the stage will read is missing."""

    def check_pipeline(self, before: list[Stage]) -> None:
        """Called when a pipeline is built, with the stages before this one: fail now when
        they cannot give this stage what it needs (a model trained behind other cleaning
        or tokenization)."""

    def to_config(self) -> dict[str, Any]:
        """Exactly the constructor arguments, plus the factory name."""
        cfg: dict[str, Any] = {"factory": self.factory}
        for p in self.param_names():
            cfg[p] = getattr(self, p)
        return cfg

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.to_config().items() if k != "factory")
        return f"{type(self).__name__}({args})"

    def __getstate__(self) -> dict[str, Any]:
        # Worker processes get the configuration and the stage's name, never the built
        # Kiwi/model objects
        return {**self.to_config(), "(name)": self.name}

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        state.pop("factory", None)
        name = state.pop("(name)", None)
        self.__init__(**state)  # type: ignore[misc]
        if name is not None:
            self.name = name
