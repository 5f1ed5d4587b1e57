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


# -- the engine tests' rows and `kotext run`'s output for them (tests/engine_rows.py)
@pytest.fixture(scope="session")
def rows_file(tmp_path_factory) -> Path:
    from engine_rows import engine_rows, write_rows

    return write_rows(tmp_path_factory.mktemp("engine_rows") / "rows.parquet", engine_rows())


@pytest.fixture(scope="session")
def reference(rows_file, tmp_path_factory) -> dict:
    """`kotext run pipelines/sentiment.toml rows.parquet --sentences -o ref.parquet`: its
    exit code and rows, what every engine must give."""
    import pyarrow.parquet as pq
    from click.testing import CliRunner

    from kotext.cli import main
    from kotext.config import bundled_dir

    out = tmp_path_factory.mktemp("engine_ref") / "ref.parquet"
    res = CliRunner().invoke(main, ["run", str(bundled_dir("pipelines") / "sentiment.toml"),
                                    str(rows_file), "--sentences", "-o", str(out)],
                             catch_exceptions=False)
    return {"exit_code": res.exit_code, "rows": pq.read_table(out).to_pylist()}
