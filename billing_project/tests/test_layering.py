"""The apps' dependency order (docs/DESIGN.md, Layout): a module of an app imports
only from apps before it, so there are no cycles and each app can be read knowing only
those below it. Tests may import anything; billing_project (settings, the URL router,
Celery) puts the apps together and is not an app."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "tenants",
    "audit",
    "webhooks",
    "plans",
    "subscriptions",
    "usage",
    "invoices",
    "payments",
    "metrics",
    "portal",
    "ops",
]


def imported_modules(path: Path) -> set[str]:
    """Every absolute import of the module, at its top or inside a function."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def app_modules(app: str) -> list[Path]:
    return [path for path in sorted((ROOT / app).rglob("*.py")) if "tests" not in path.relative_to(ROOT).parts]


def test_the_order_is_the_installed_apps_order():
    assert [app for app in settings.INSTALLED_APPS if app in APPS] == APPS
    assert {path.name for path in ROOT.iterdir() if (path / "apps.py").exists()} == set(APPS)


def test_no_app_imports_an_app_after_it():
    wrong = []
    for position, app in enumerate(APPS):
        later = set(APPS[position + 1 :])
        for path in app_modules(app):
            for module in imported_modules(path):
                if module.split(".")[0] in later:
                    wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert wrong == []


def test_the_check_sees_a_late_import(tmp_path):
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from payments import tasks\n    import metrics.services\n")
    assert imported_modules(module) == {"payments", "metrics.services"}
