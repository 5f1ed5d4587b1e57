"""Pipeline files (TOML) and dotted overrides such as ``stages.tokenize.pos=NNG,NNP``."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent


def bundled_dir(kind: str) -> Path:
    """``pipelines`` or ``models``: inside the installed package, or the repository top
    level for an editable install / a checkout."""
    installed = PACKAGE_DIR / kind
    if installed.is_dir():
        return installed
    return PACKAGE_DIR.parent / kind


def find_pipeline(name_or_path: str | Path) -> Path:
    """A pipeline file: a path, a shipped pipeline's name (``tokenize``), or the README's
    ``pipelines/NAME.toml`` from a folder that has no ``pipelines/`` of its own. Any
    other path that does not exist is an error (``porj/tokenize.toml`` used to load the
    shipped file without a word)."""
    p = Path(name_or_path)
    if p.is_file():
        return p
    pdir = bundled_dir("pipelines")
    for cand in (pdir / p.name, pdir / f"{p.name}.toml"):
        if cand.is_file() and (p.parent == Path(".") or (
                p.parent == Path("pipelines") and not p.parent.exists())):
            return cand
    shipped = sorted(x.stem for x in pdir.glob("*.toml"))
    missing = next((d for d in reversed(p.parents) if d != Path(".") and not d.exists()), None)
    why = f" (there is no folder {missing})" if missing is not None else ""
    raise ConfigError(
        f"pipeline file not found: {name_or_path}{why}. Give a path to a .toml file, a model "
        f"folder, or the name of a shipped pipeline: {', '.join(shipped)}."
    )


def read_toml(path: Path) -> dict[str, Any]:
    """A pipeline or options file. TOML is UTF-8; one saved by Notepad on a Korean Windows
    (CP949, or UTF-8 with a BOM, for the Korean in its comments) is read as well."""
    from .errors import InputError
    from .io.encoding import read_text_file

    try:
        text = read_text_file(path, "pipeline file")
    except InputError as e:
        raise ConfigError(str(e)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e}). Fix the file's syntax.") from None


def parse_value(raw: str) -> Any:
    """``2`` -> 2, ``true`` -> True, ``NNG,NNP`` -> ["NNG", "NNP"], else the string."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        pass
    if "," in raw:
        return [x.strip() for x in raw.split(",") if x.strip()]
    return raw


def apply_overrides(cfg: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    cfg = copy.deepcopy(cfg)
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"set={item!r}: expected KEY=VALUE, e.g. set=stages.tokenize.pos=NNG,NNP"
            )
        parts = key.strip().split(".")
        node = cfg
        for i, part in enumerate(parts[:-1]):
            nxt = node.get(part)
            if nxt is None:
                if parts[0] == "stages" and i == 1:
                    known = ", ".join(cfg.get("stages", {})) or "none"
                    raise ConfigError(
                        f"set={key}: the pipeline has no stage '{part}'; stages are: {known}."
                    )
                nxt = node[part] = {}
            if not isinstance(nxt, dict):
                raise ConfigError(f"set={key}: '{part}' is a value, not a table.")
            node = nxt
        node[parts[-1]] = parse_value(raw.strip())
    return cfg
