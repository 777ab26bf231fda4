"""The layers hold: only chalicelib/storage/ touches pynamodb models or builds S3 keys.

Services, API modules, domain rules, the Lambda handlers and app.py speak to the storage
repositories (storage/accounts.py, companies.py, …); the repositories alone import pynamodb and
chalicelib.storage.models. The S3 key layout lives in storage/keys.py only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("chalicelib/services", "chalicelib/api", "chalicelib/domain", "functions")
FORBIDDEN_IMPORTS = ("chalicelib.storage.models", "pynamodb")
KEY_PREFIXES = ("originals/", "documents/", "exports/", "imports/", "reports/")
KEY_MODULE = "chalicelib/storage/keys.py"

def _modules() -> list[Path]:
    found = [path for layer in LAYERS for path in sorted((ROOT / layer).rglob("*.py"))]
    return [*found, ROOT / "app.py"]


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def forbidden_imports(source: str) -> list[str]:
    """The modules of the storage internals a source imports (any import form)."""
    imported: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.append(node.module)
            imported += [f"{node.module}.{alias.name}" for alias in node.names]
    return sorted({name for name in imported
                   if any(name == bad or name.startswith(f"{bad}.") for bad in FORBIDDEN_IMPORTS)})


def key_literals(source: str) -> list[str]:
    """String literals (f-string parts too) that start an S3 key of the archive bucket."""
    return [node.value for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and node.value.startswith(KEY_PREFIXES)]


def test_the_checks_see_what_they_look_for() -> None:
    assert forbidden_imports("from pynamodb.exceptions import DoesNotExist") == ["pynamodb.exceptions",
                                                                               "pynamodb.exceptions.DoesNotExist"]
    assert forbidden_imports("from chalicelib.storage import models") == ["chalicelib.storage.models"]
    assert forbidden_imports("import chalicelib.storage.models as m") == ["chalicelib.storage.models"]
    assert forbidden_imports("from chalicelib.storage import companies") == []
    assert key_literals('key = f"documents/{cif}/{message_id}/invoice.pdf"') == ["documents/"]
    assert key_literals('"exports/x.zip"') == ["exports/x.zip"]


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_only_storage_imports_pynamodb_models(path: Path) -> None:
    imported = forbidden_imports(path.read_text(encoding="utf-8"))
    assert not imported, f"{_name(path)} imports {imported}: speak to a repository in chalicelib/storage/"


def test_only_the_key_module_spells_s3_keys() -> None:
    sources = [*sorted((ROOT / "chalicelib").rglob("*.py")), *sorted((ROOT / "functions").rglob("*.py")),
               ROOT / "app.py"]
    spelled = {_name(path): found for path in sources if _name(path) != KEY_MODULE
               and (found := key_literals(path.read_text(encoding="utf-8")))}
    assert not spelled, f"S3 keys built outside {KEY_MODULE}: {spelled}"
    assert key_literals((ROOT / KEY_MODULE).read_text(encoding="utf-8"))  # the check can see keys
