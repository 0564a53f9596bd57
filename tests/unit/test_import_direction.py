"""Apps import in one direction, and core and analytics import no Django.

The layers are those of the import-linter contract in pyproject.toml (`make lint` runs
`lint-imports`); this test reads them from there and checks every import statement of
every module under src/carehub: at module level, inside functions, under
`if TYPE_CHECKING:`, and `importlib.import_module("carehub....")` with a literal name.
docs/decisions/0006-import-linter.md says why both.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "carehub"
# Modules whose name starts with one of these are Django (or built on it).
DJANGO = ("django", "ninja", "django_scopes", "django_otp", "django_htmx", "csp")
PLAIN = ("core", "analytics")


def layers() -> list[set[str]]:
    """The layers, lowest first: each a set of carehub's top-level names."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    found = []
    for layer in reversed(contract["layers"]):
        names = layer.replace("|", ":").split(":")
        found.append({n.strip().removeprefix("carehub.") for n in names})
    return found


def rank_of() -> dict[str, int]:
    return {name: i for i, layer in enumerate(layers()) for name in layer}


def unit(module: str) -> str:
    """`carehub.referrals.services` -> `referrals`; `carehub.urls` -> `urls`."""
    return module.split(".")[1] if module.count(".") else ""


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every import in the tree, wherever it stands."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:  # `from carehub import referrals`
                if target == "carehub":
                    yield node.lineno, f"carehub.{alias.name}"
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and (getattr(node.func, "attr", None) == "import_module"
                   or getattr(node.func, "id", None) in ("import_module", "__import__"))):
            yield node.lineno, node.args[0].value


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    ranks = rank_of()
    own = unit(module)
    found = []
    for line, target in sorted(imports(ast.parse(source), module, is_package)):
        where = f"{module}:{line} imports {target}"
        top = target.split(".")[0]
        if own in PLAIN and top in DJANGO:
            found.append(f"{where}: {own} is plain Python, no Django")
        if top != "carehub" or target == "carehub":
            continue
        other = unit(target)
        if other == own:
            continue
        if other not in ranks:
            found.append(f"{where}: carehub.{other} is in no layer of pyproject.toml")
        elif ranks[other] > ranks[own]:
            found.append(f"{where}: {own} is below {other}")
    return found


def modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_every_app_and_module_has_a_layer() -> None:
    ranks = rank_of()
    missing = sorted({unit(module_name(p)) for p in modules()} - set(ranks) - {""})
    assert missing == [], f"add these to the layers in pyproject.toml: {missing}"


def test_no_module_imports_upwards_and_core_imports_no_django() -> None:
    found = []
    for path in modules():
        found += violations(path.read_text(), module_name(path), path.name == "__init__.py")
    assert found == []


def test_the_check_sees_imports_inside_functions_and_type_checking_blocks() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from carehub.portal.views import home\n"
        "def f():\n"
        "    from carehub.referrals import services\n"
        "    import importlib\n"
        "    importlib.import_module('carehub.contracts.selectors')\n"
        "from .. import members\n"
    )
    assert [v.split(": ")[1] for v in violations(source, "carehub.tenancy.access")] == [
        "tenancy is below portal",
        "tenancy is below referrals",
        "tenancy is below contracts",
        "tenancy is below members",
    ]
    assert violations("from carehub.tenancy.models import Role\n", "carehub.referrals.nav") == []


def test_core_and_analytics_import_no_django() -> None:
    source = "def f():\n    from django.db import models\n"
    assert violations(source, "carehub.core.money") == [
        "carehub.core.money:2 imports django.db: core is plain Python, no Django"]
    assert violations("import ninja\n", "carehub.analytics.cost") != []
    assert violations("from django.db import models\n", "carehub.tenancy.models") == []
