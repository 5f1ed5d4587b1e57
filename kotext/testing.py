"""A conformance check for stages, like scikit-learn's ``check_estimator``.

>>> from kotext.testing import check_stage
>>> check_stage("clean.v1", {"html": True})                      # doctest: +SKIP

``check_stage`` raises ``AssertionError`` naming the first rule a stage breaks:

1. it builds from its config (``registry.create(factory, **config)``);
2. ``to_config()`` rebuilds it: the rebuilt stage has the same config;
3. given documents with only the fields it ``requires`` (made by the stages that
   provide them, ``registry.PROVIDERS``), it fills every field it ``assigns`` (unless it
   records an error on the document) and changes no other field;
4. ``pipe()`` gives the same documents as calling it on each one;
5. rebuilt from its config in a worker process started with ``spawn`` (no state shared),
   it gives the same documents.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from . import registry
from .doc import Doc

TEXTS = ("배우 연기는 좋았는데 스토리가 지루했다. 결말은 그래도 괜찮았다.",
         "정말 재밌는 영화였어요! 또 보고 싶어요.",
         "최악의 영화. 시간이 아깝다.",
         "서울의 날씨는 맑고 포근했다. 내일은 비가 온다. 우산을 챙기자.")
FIELDS = tuple(f.name for f in fields(Doc))


def _same(a: Any, b: Any) -> bool:
    """Equal, floats within 1e-5 relative (numpy arrays included)."""
    if type(a).__module__ == "numpy" or type(b).__module__ == "numpy":
        import numpy as np

        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-5, atol=1e-7))
    if isinstance(a, float) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-7)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _diff(a: Doc, b: Doc) -> list[str]:
    return [f for f in FIELDS if not _same(getattr(a, f), getattr(b, f))]


def _inputs(stage: Any, texts: Sequence[str]) -> list[Doc]:
    """Documents with the fields ``stage`` requires and no others."""
    docs = [Doc(text=t, id=str(i)) for i, t in enumerate(texts)]
    need = set(stage.requires) - {"text", "id", "meta"}
    done: set[str] = set()
    for field_ in sorted(need):
        factory = registry.PROVIDERS.get(field_)
        assert factory is not None, f"{stage.factory}: nothing provides required {field_!r}"
        if factory in done:
            continue
        done.add(factory)
        provider = registry.create(factory)
        docs = list(provider.pipe(docs))
    for d in docs:  # only what is required reaches the stage
        assert d.error is None, f"preparing the input of {stage.factory}: {d.error}"
        for f in FIELDS:
            if f not in need and f not in ("text", "id", "meta", "error"):
                setattr(d, f, None)
    return docs


def _rebuild_and_run(cfg: dict[str, Any], name: str, factories: dict[str, str],
                     docs: list[Doc]) -> list[Doc]:
    """In a worker process: the stage rebuilt from its config, run on ``docs``."""
    for fname, target in factories.items():
        registry.add_factory(fname, target)
    cfg = dict(cfg)
    stage = registry.create(cfg.pop("factory"), name=name, **cfg)
    return [stage(d) for d in docs]


def check_stage(factory: str, config: dict[str, Any] | None = None, *,
                texts: Sequence[str] = TEXTS, worker: bool = True) -> None:
    """Check the stage that ``factory`` builds from ``config`` against the stage contract
    (see the module's docstring); ``worker=False`` skips the worker-process rebuild."""
    config = dict(config or {})
    stage = registry.create(factory, **config)
    what = f"{factory} {config}"

    cfg = stage.to_config()
    assert cfg.get("factory") == factory, f"{what}: to_config() names factory {cfg.get('factory')!r}"
    rest = {k: v for k, v in cfg.items() if k != "factory"}
    assert set(rest) == set(type(stage).param_names()), \
        f"{what}: to_config() keys {sorted(rest)} are not the constructor's arguments"
    again = registry.create(factory, **rest)
    assert again.to_config() == cfg, f"{what}: rebuilt from to_config() its config differs: " \
                                     f"{again.to_config()} != {cfg}"
    for key, value in config.items():
        assert _same(cfg[key], value), f"{what}: option {key}={value!r} reads back as {cfg[key]!r}"

    inputs = _inputs(stage, texts)
    one = []
    for d in inputs:
        before = copy.deepcopy(d)
        out = stage(copy.deepcopy(d))
        assert isinstance(out, Doc), f"{what}: calling it returned {type(out).__name__}"
        changed = set(_diff(before, out)) - {"error"}
        undeclared = changed - set(stage.assigns)
        assert not undeclared, f"{what}: changed {sorted(undeclared)}, which it does not " \
                               f"declare in assigns {sorted(stage.assigns)}"
        if out.error is None:
            empty = [f for f in stage.assigns if getattr(out, f) is None]
            assert not empty, f"{what}: declares {sorted(empty)} in assigns but left them " \
                              f"unset on {d.text!r}"
        one.append(out)
    assert any(d.error is None for d in one), f"{what}: every document failed: {one[0].error}"

    piped = list(stage.pipe(copy.deepcopy(inputs), batch_size=3))
    assert len(piped) == len(one), f"{what}: pipe() gave {len(piped)} documents for {len(one)}"
    for a, b in zip(one, piped):
        diff = _diff(a, b)
        assert not diff, f"{what}: pipe() differs from calling it one by one in {diff}"

    if worker:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as ex:
            far = ex.submit(_rebuild_and_run, cfg, stage.name, registry.factory_modules(),
                            copy.deepcopy(inputs)).result()
        for a, b in zip(one, far):
            diff = _diff(a, b)
            assert not diff, f"{what}: rebuilt in a worker process, it differs in {diff}"
