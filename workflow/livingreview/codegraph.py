"""Which files of the ``livingreview`` package a module runs: its imports within the package, transitively.

Each rule takes the code of its stage as a parameter (see ``workflow/rules/common.smk``): the files
of the stage's module and of every package module it imports, directly or through others, with the
packages (``__init__.py``) on the way. Snakemake re-runs a job when a parameter changed, so an edit to
one module re-runs only the rules whose stage uses it (and the jobs that read their outputs).

The graph is read from the source with :mod:`ast`, without importing anything: every ``import``
statement counts, also one inside a function (a module that may import another depends on it). Reading
it takes about 0.13 s, on every build and dry run; so it is kept, as Python keeps bytecode, in the
package's ``__pycache__/codegraph.json`` under a SHA-256 of every module's name and source, and read
again only when one of them changed (a package that cannot be written to, or a Python told not to write
bytecode, reads it each time).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import sys
from pathlib import Path

from .files import write_atomic

PACKAGE = "livingreview"
# The files every rule's code includes besides its stage's modules: the workflow that defines the rules
# (and the config check they are read with) and the pinned tools.
RULE_CODE = ["Snakefile", "workflow/rules/common.smk", "requirements.lock"]


def module_files(package: Path) -> dict[str, Path]:
    """Every module of the package in folder *package*, by dotted name (``livingreview.stages.figures``)."""
    modules = {}
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = [PACKAGE, *path.relative_to(package).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _with_packages(name: str) -> list[str]:
    """*name* and the packages it is in (importing ``a.b.c`` runs ``a`` and ``a.b`` first)."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def imported_names(path: Path, module: str, is_package: bool) -> set[str]:
    """The dotted names the source file *path* (module *module*) imports, relative imports resolved."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    here = module.split(".") if is_package else module.split(".")[:-1]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = here[:len(here) - node.level + 1] if node.level else []
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            names.add(target)
            names.update(f"{target}.{alias.name}" for alias in node.names)  # `from . import stage` may be a module
    return names


@functools.cache
def import_graph(package: Path) -> dict[str, frozenset[str]]:
    """Each module of the package in *package* -> the package's modules it imports directly (from the
    cache in ``__pycache__/codegraph.json`` when no module changed since it was written)."""
    modules = module_files(package)
    digest = hashlib.sha256()
    for name, path in modules.items():
        digest.update(f"{name}\0".encode())
        digest.update(path.read_bytes())
        digest.update(b"\0")
    cache = package / "__pycache__" / "codegraph.json"
    try:
        stored = json.loads(cache.read_text(encoding="utf-8"))
        if stored.get("sha256") == digest.hexdigest():
            return {name: frozenset(imports) for name, imports in stored["graph"].items()}
    except (OSError, ValueError, KeyError, AttributeError):
        pass  # no cache yet, or one that is not ours: read the source
    graph = {}
    for name, path in modules.items():
        found = imported_names(path, name, path.name == "__init__.py")
        graph[name] = frozenset(m for found_name in found for m in _with_packages(found_name)
                                if m in modules and m != name)
    if sys.dont_write_bytecode:  # PYTHONDONTWRITEBYTECODE: no cache of the code is written
        return graph
    text = json.dumps({"sha256": digest.hexdigest(), "graph": {name: sorted(graph[name]) for name in graph}})
    try:  # a build reading it at the same time sees the old file or the new
        write_atomic(cache, text)
    except OSError:
        pass  # a read-only package: the graph is read from the source each time
    return graph


def closure(package: str | Path, module: str) -> list[Path]:
    """The files of *module* and of every package module it imports, transitively, sorted.

    *package* is the folder of the ``livingreview`` package (``workflow/livingreview``).
    """
    package = Path(package).resolve()
    graph, modules = import_graph(package), module_files(package)
    if module not in modules:
        raise KeyError(f"{module} is not a module of {package}")
    seen, pending = set(), _with_packages(module)
    while pending:
        name = pending.pop()
        if name in seen or name not in modules:
            continue
        seen.add(name)
        pending.extend(graph[name])
    return sorted(modules[name] for name in seen)


def stage_code_files(root: str | Path, stage: str) -> list[str]:
    """The code a rule of *stage* runs, relative to the working directory, sorted: :data:`RULE_CODE`,
    ``workflow/rules/STAGE.smk``, and the module ``livingreview.stages.STAGE`` with every module of the
    package it imports, transitively (:func:`closure`), under *root* (the
    folder of the Snakefile)."""
    root = Path(root)
    files = [root / name for name in [*RULE_CODE, f"workflow/rules/{stage}.smk"]]
    files += closure(root / "workflow" / "livingreview", f"livingreview.stages.{stage}")
    return sorted({os.path.relpath(path) for path in files})
