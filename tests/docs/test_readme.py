"""README.md stays true: its CLI tour is what the commands print, its API table names every
operation of the OpenAPI document, its configuration table every setting, and its layout
every package and module of app/."""

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from app.main import create_app
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
METHODS = {"get", "put", "post", "patch", "delete"}


def between(name: str) -> str:
    """The README's text between `<!-- name:start -->` and `<!-- name:end -->`."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    assert start in README, f"README.md has no {start} marker"
    assert end in README, f"README.md has no {end} marker"
    return README.split(start, 1)[1].split(end, 1)[0]


def cli_tour() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cli_tour", ROOT / "docs" / "cli_tour.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_the_cli_tour_is_what_the_commands_print() -> None:
    tour = cli_tour()
    shown = tour.readme_block(README)
    assert tour.transcript() == shown, (
        "README.md's CLI tour no longer matches the commands' output; "
        "rerun `python docs/cli_tour.py --write` and review the diff"
    )


def openapi_operations() -> dict[tuple[str, str], list[str]]:
    """(method, path with every `{…id}` as `{id}`) → the operation's tags."""
    document = create_app(Settings(database_url="sqlite:///:memory:")).openapi()
    operations = {}
    for path, items in document["paths"].items():
        shown = re.sub(r"\{[a-z_]*id\}", "{id}", path)
        for method, operation in items.items():
            if method in METHODS:
                operations[(method.upper(), shown)] = operation.get("tags", [])
    return operations


def table_operations(table: str) -> set[tuple[str, str]]:
    """`GET/PATCH/DELETE /v1/x/{id}` spans of the table as (method, path) pairs."""
    found = set()
    for methods, path in re.findall(r"`([A-Z]+(?:/[A-Z]+)*) (/[^`?\s]*)", table):
        found |= {(method, path) for method in methods.split("/")}
    return found


def test_the_api_table_names_every_operation() -> None:
    table = between("api-table")
    missing = sorted(set(openapi_operations()) - table_operations(table))
    assert not missing, f"operations missing from README.md's API table: {missing}"


def test_the_api_table_names_no_operation_that_does_not_exist() -> None:
    extra = sorted(table_operations(between("api-table")) - set(openapi_operations()))
    assert not extra, f"README.md's API table names operations the app lacks: {extra}"


def test_the_api_table_has_a_row_for_every_tag() -> None:
    rows = {line.split("|")[1].strip() for line in between("api-table").splitlines() if "|" in line}
    tags = {tag for operation_tags in openapi_operations().values() for tag in operation_tags}
    assert tags, "the OpenAPI document has no tags"
    assert not tags - rows, f"tags without a row in README.md's API table: {tags - rows}"


def test_the_configuration_table_names_every_setting() -> None:
    table = between("settings")
    missing = []
    for name, field in Settings.model_fields.items():
        aliases = getattr(field.validation_alias, "choices", None) or []
        variables = [*aliases, f"CLAIMGRAPH_{name.upper()}"]
        if not any(f"`{variable}`" in table for variable in variables):
            missing.append(variables[-1])
    assert not missing, f"settings missing from README.md's configuration table: {missing}"


def test_the_layout_names_every_package_and_module_of_app() -> None:
    """Every package directory and top-level module of app/ is in the layout. (Only that way
    round: the layout may name a package another change is adding.)"""
    layout = between("layout")
    named = set(re.findall(r"^\s+([a-z_]+(?:/|\.py))\s", layout, re.MULTILINE))
    app = ROOT / "app"
    actual = {f"{p.name}/" for p in app.iterdir() if (p / "__init__.py").exists()}
    actual |= {p.name for p in app.glob("*.py") if p.name != "__init__.py"}
    missing = sorted(actual - named)
    assert not missing, f"app/ entries missing from README.md's layout: {missing}"
