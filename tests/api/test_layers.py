"""The API reaches the store only through services and the wiring (style.md, convention 2)."""

from __future__ import annotations

import ast
from pathlib import Path

import overture.api

API_DIR = Path(overture.api.__file__).resolve().parent


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_module_of_the_api_imports_the_store() -> None:
    offenders = {
        str(path.relative_to(API_DIR)): sorted(n for n in _imports(path) if n.startswith("overture.store"))
        for path in API_DIR.rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}
