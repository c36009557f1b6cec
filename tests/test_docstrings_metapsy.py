"""Every function of the Metapsy importer and the meta-analytic data model, nested ones included, says what it
does (house rule: small pure functions with docstrings)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "workflow" / "livingreview"
MODULES = [PACKAGE / "meta_analysis.py", *sorted((PACKAGE / "importers").glob("*.py")),
           PACKAGE / "commands" / "import_release.py"]


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.relative_to(PACKAGE).as_posix())
def test_every_function_has_a_docstring(module):
    tree = ast.parse(module.read_text(encoding="utf-8"))
    missing = [f"{node.name} (line {node.lineno})" for node in ast.walk(tree)
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not ast.get_docstring(node)]
    assert missing == []
