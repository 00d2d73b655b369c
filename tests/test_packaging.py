"""The distribution ships every package and data file the app loads."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setuptools() -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["setuptools"]  # type: ignore[no-any-return]


def test_every_app_package_is_listed() -> None:
    listed = set(_setuptools()["packages"])  # type: ignore[arg-type]
    on_disk = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "app").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert on_disk <= listed, f"add to [tool.setuptools] packages: {sorted(on_disk - listed)}"


def test_every_app_data_file_is_shipped() -> None:
    patterns = _setuptools()["package-data"]["app"]  # type: ignore[index]
    data = [
        path
        for path in (ROOT / "app").rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    ]
    missing = [
        str(path.relative_to(ROOT / "app"))
        for path in data
        if not any(path.relative_to(ROOT / "app").match(p) for p in patterns)
    ]
    assert not missing, f"add to [tool.setuptools.package-data] app: {missing}"
