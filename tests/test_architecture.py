"""kotext's import graph, built from the source with ``ast``: no cycle, layers point down.

Counted: every ``import``/``from ... import`` statement of a kotext module that names a
kotext module, at module level and inside functions alike (a function-level import is a
dependency too; it only runs later). ``from pkg import name`` counts as an import of
``pkg.name`` when that is a module, else of ``pkg``. Not counted: the implicit import of a
module's parent package (so a package ``__init__`` stays a facade: it must not import its
own submodules at module level, see ``test_package_inits_are_light``) and names resolved
with ``importlib`` from a table (the registry's factories, the classifier methods' trainers).
"""

from __future__ import annotations

import ast
from pathlib import Path

import kotext

ROOT = Path(kotext.__file__).parent

# Lowest first. A module may import modules of its own layer or of a lower one.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("records", ("doc", "errors", "config", "registry", "io.encoding")),
    ("io", ("io", "modelio", "transformer.hub")),
    ("models", ("kiwi", "features", "summarize", "embeddings.keys", "embeddings.hashing",
                "embeddings.vectors", "embeddings.formats", "embeddings", "classifiers",
                "evaluate", "testing", "transformer")),
    ("stages", ("stages",)),
    ("pipeline", ("pipeline", "preprocess", "loading")),
    ("training", ("training", "transformer.train", "transformer.pretrain",
                  "transformer.curve", "embeddings.corpus", "embeddings.train",
                  "embeddings.evaluate", "embeddings.plot", "explain")),
    ("batch", ("batch", "runner")),
    ("shells", ("cli", "engines", "serve", "ray", "spark", "__main__")),
]


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def top_level_names(module: str) -> set[str] | None:
    """The names a module defines or imports at its top level (``None``: it has a module
    ``__getattr__``, so any name may resolve)."""
    path = modules()[module]
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == "__getattr__":
                return None
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                names |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.If, ast.Try)):  # try: import tomllib / except: ...
            for sub in ast.walk(node):
                if isinstance(sub, (ast.Import, ast.ImportFrom)):
                    names |= {(a.asname or a.name).split(".")[0] for a in sub.names}
                elif isinstance(sub, (ast.FunctionDef, ast.ClassDef)):
                    names.add(sub.name)
                elif isinstance(sub, ast.Assign):
                    names |= {n.id for t in sub.targets for n in ast.walk(t)
                              if isinstance(n, ast.Name)}
    return names


def imports(name: str, path: Path, known: set[str], unresolved: list[str] | None = None
            ) -> set[str]:
    """The kotext modules ``name`` imports, anywhere in its source; ``unresolved`` collects
    the imported kotext modules that do not exist (a relative import one dot short)."""
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if unresolved is not None and mod.startswith("kotext"):
                if mod not in known:
                    unresolved.append(f"{name}:{node.lineno}: from {mod}")
                else:
                    defined = top_level_names(mod)
                    unresolved.extend(
                        f"{name}:{node.lineno}: from {mod} import {a.name}"
                        for a in node.names if defined is not None
                        and f"{mod}.{a.name}" not in known and a.name not in defined)
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod
                       for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:  # kotext.x.y where y is a name in kotext.x
                t = t.rpartition(".")[0]
            if t and t != name and t.startswith("kotext"):
                out.add(t)
    return out


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {n: imports(n, p, known) for n, p in mods.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def layer_of(name: str) -> int | None:
    """The layer of a module: the longest matching prefix wins."""
    rel = name.removeprefix("kotext").removeprefix(".")
    best, best_len = None, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (rel == p or rel.startswith(p + ".")) and len(p) > best_len:
                best, best_len = i, len(p)
    return best


def test_graph_sees_the_imports():
    g = graph()
    assert "kotext.stages.base" in g["kotext.pipeline"]
    assert "kotext.registry" in g["kotext.pipeline"]  # from . import registry
    assert "kotext.errors" in g["kotext.stages.classify"]


def test_every_import_names_something_that_exists():
    mods = modules()
    bad: list[str] = []
    for n, p in mods.items():
        imports(n, p, set(mods), bad)
    assert not bad, bad


def test_no_import_cycle():
    found = cycles(graph())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_every_module_has_a_layer():
    missing = [n for n in graph() if n != "kotext" and layer_of(n) is None]
    assert not missing, f"modules in no layer of LAYERS: {missing}"


def test_layers_point_down():
    up = []
    for src, targets in graph().items():
        if src == "kotext":  # the facade: kotext.load, kotext.Doc
            continue
        for dst in targets:
            if dst == "kotext":
                continue  # `from .. import __version__`
            ls, ld = layer_of(src), layer_of(dst)
            if ls is not None and ld is not None and ld > ls:
                up.append(f"{src} ({LAYERS[ls][0]}) -> {dst} ({LAYERS[ld][0]})")
    assert not up, "imports from a lower layer up to a higher one:\n" + "\n".join(sorted(up))


def test_package_inits_are_light():
    """A package ``__init__`` imports no kotext module above its own package's layer, so
    that importing a low module of a package never runs a higher one."""
    g = graph()
    bad = []
    for name, path in modules().items():
        if path.name != "__init__.py" or name == "kotext":
            continue
        for dst in g[name]:
            if dst.startswith(name + ".") and layer_of(dst) != layer_of(name):
                bad.append(f"{name} -> {dst}")
    assert not bad, bad


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
