"""Shared helpers: tiny Korean inputs built in tmp_path, an in-process CLI runner.

Kiwi is built once per process (kotext.kiwi caches it), so tests that tokenize share it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kotext.config import bundled_dir

PIPELINES = bundled_dir("pipelines")

KO = ["배우 연기는 좋았는데 스토리가 지루했다", "정말 재밌는 영화였어요", "최악의 영화"]


@pytest.fixture
def write(tmp_path: Path):
    """write(name, text_or_bytes, encoding="utf-8") -> Path under tmp_path."""

    def _write(name: str, data: str | bytes, encoding: str = "utf-8") -> Path:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = data.encode(encoding)
        p.write_bytes(data)
        return p

    return _write


class Cli:
    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | bytes | None = None):
        from kotext.cli import main

        return self.runner.invoke(main, [str(a) for a in args], input=input,
                                  catch_exceptions=False)


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture
def ko() -> list[str]:
    return list(KO)


@pytest.fixture(scope="session")
def pipelines_dir() -> Path:
    return PIPELINES


# Hypothesis profiles for tests/test_fuzz.py: "ci" (seconds, the default) and "long"
# (minutes): pytest --hypothesis-profile long, or KOTEXT_FUZZ=long
try:
    import os as _os

    from hypothesis import HealthCheck, settings

    _quiet = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
    settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True,
                              suppress_health_check=_quiet)
    settings.register_profile("long", max_examples=1500, deadline=None,
                              suppress_health_check=_quiet)
    settings.load_profile(_os.environ.get("KOTEXT_FUZZ", "ci"))
except ImportError:  # hypothesis is a test extra; test_fuzz.py skips without it
    pass
