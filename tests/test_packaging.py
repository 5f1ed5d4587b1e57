"""The wheel must carry every subpackage, the pipeline files and the shipped models."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_pyproject():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(cfg["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "kotext").rglob("*.py")
             if "__pycache__" not in p.parts}
    missing = sorted(found - listed)
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"
    for pkg in found:
        assert (ROOT / pkg.replace(".", "/") / "__init__.py").is_file(), f"{pkg} has no __init__.py"


def test_pipelines_and_models_are_package_data():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    st = cfg["tool"]["setuptools"]
    assert st["package-dir"] == {"kotext.pipelines": "pipelines", "kotext.models": "models"}
    assert "*.toml" in st["package-data"]["kotext.pipelines"]
    for model in (ROOT / "models").iterdir():
        if model.is_dir():  # every file of a shipped model is one level down
            assert all(f.is_file() for f in model.iterdir()), f"{model}: nested folders"
