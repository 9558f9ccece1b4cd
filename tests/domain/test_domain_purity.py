"""The domain imports nothing but the standard library and itself (style.md, convention 2)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import overture.domain

DOMAIN_DIR = Path(overture.domain.__file__).resolve().parent
DOMAIN_PACKAGE = "overture.domain"


def _module_name(path: Path) -> str:
    parts = path.relative_to(DOMAIN_DIR).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((DOMAIN_PACKAGE, *parts))


def _resolve_relative(module: str | None, level: int, importer: str, is_package: bool) -> str:
    """Absolute name of ``from <level dots><module> import ...`` written in ``importer``."""
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    base = package[: len(package) - (level - 1)] if level > 1 else package
    return ".".join([*base, module] if module else base)


def imported_modules(source: str, importer: str, *, is_package: bool = False) -> set[str]:
    """Every module named by an import statement anywhere in the source (TYPE_CHECKING blocks too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_relative(node.module, node.level, importer, is_package) if node.level else node.module
            assert base is not None
            if DOMAIN_PACKAGE.startswith(base + "."):
                # ``from overture import x`` imports the submodule ``overture.x``: judge that, not ``overture``.
                found.update(f"{base}.{alias.name}" for alias in node.names)
            else:
                found.add(base)
    return found


def violations(source: str, importer: str, *, is_package: bool = False) -> list[str]:
    problems = []
    for name in sorted(imported_modules(source, importer, is_package=is_package)):
        top = name.split(".")[0]
        if top == "overture":
            if name != DOMAIN_PACKAGE and not name.startswith(DOMAIN_PACKAGE + "."):
                problems.append(f"{importer} imports {name} (the domain may import only overture.domain)")
        elif top not in sys.stdlib_module_names:
            problems.append(f"{importer} imports {name} (not in the standard library)")
    return problems


def domain_files() -> list[Path]:
    return sorted(DOMAIN_DIR.rglob("*.py"))


def test_domain_directory_has_the_modules_we_expect_to_check() -> None:
    names = {p.stem for p in domain_files()}
    assert {"amount", "ledger", "allocation", "charging", "orders", "inventory", "routing", "statuses"} <= names


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: p.name)
def test_domain_module_imports_only_stdlib_and_domain(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert violations(source, _module_name(path), is_package=path.name == "__init__.py") == []


@pytest.mark.parametrize(
    ("source", "offender"),
    [
        ("import sqlalchemy", "sqlalchemy"),
        ("from pydantic import BaseModel", "pydantic"),
        ("from overture.store.tables import orders", "overture.store.tables"),
        ("import overture.services.ports", "overture.services.ports"),
        ("from .. import services", "overture.services"),
        ("from ..api import app", "overture.api"),
        ("from overture import config", "overture.config"),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import fastapi", "fastapi"),
    ],
)
def test_checker_flags_forbidden_imports(source: str, offender: str) -> None:
    problems = violations(source, "overture.domain.example")
    assert len(problems) == 1
    assert f"imports {offender} " in problems[0]


@pytest.mark.parametrize(
    "source",
    [
        "from __future__ import annotations\nimport decimal, itertools",
        "from collections.abc import Mapping",
        "from overture.domain.money import Money",
        "from . import money",
        "from .inventory import Location",
        "from overture import domain",
    ],
)
def test_checker_accepts_stdlib_and_domain_imports(source: str) -> None:
    assert violations(source, "overture.domain.example") == []
