"""The layering DEVELOPERS.md states, checked on the source (issue 20): imports point one
way, cases -> alerts -> exchange -> audit, accounts, node, and cases -> legal_map; and no
app hides a dependency behind importlib or turns a broken import into silence."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ABOVE = {
    "exchange": {"cases", "alerts"},
    "alerts": {"cases"},
    "legal_map": {"cases", "alerts", "exchange"},
    "audit": {"cases", "alerts", "exchange", "legal_map"},
    "accounts": {"cases", "alerts", "exchange", "legal_map"},
    "node": {"cases", "alerts", "exchange", "legal_map"},
}


def _sources(app: str) -> list[Path]:
    return sorted(p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)


def _imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("app", sorted(ABOVE))
def test_no_app_imports_one_above_it(app):
    wrong = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in _sources(app)
        for name in _imported(ast.parse(path.read_text(), str(path))) & ABOVE[app]
    }
    assert sorted(wrong) == []


@pytest.mark.parametrize("app", ["cases", "alerts", "exchange"])
def test_no_dependency_hidden_behind_importlib_or_a_caught_import_error(app):
    hidden = []
    for path in _sources(app):
        tree = ast.parse(path.read_text(), str(path))
        if "importlib" in _imported(tree):
            hidden.append(f"{path.relative_to(ROOT)}: importlib")
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                caught = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
                if caught & {"ImportError", "ModuleNotFoundError"}:
                    hidden.append(f"{path.relative_to(ROOT)}:{node.lineno}: {caught}")
    assert hidden == []
