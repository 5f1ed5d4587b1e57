"""The golden outputs (tests/golden/*.out) of a fixed set of commands hold byte for byte.

After a deliberate change of behaviour, rewrite them with `python tests/golden/make.py`
and read the diff.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

MAKE = Path(__file__).parent / "golden" / "make.py"


def test_golden_outputs_unchanged():
    spec = importlib.util.spec_from_file_location("golden_make", MAKE)
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    stored = {p.stem for p in MAKE.parent.glob("*.out")}
    assert stored == {name for name, _, _ in make.CASES}
    assert make.check() == []
