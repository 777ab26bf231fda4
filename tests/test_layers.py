"""The layers hold: only chalicelib/storage/ touches pynamodb models, the AWS SDK or builds S3 keys.

Services, API modules, domain rules, the ANAF and invoice code, the composition root
(dependencies.py), the Lambda handlers, the operator scripts and app.py speak to the storage
repositories and adapters (storage/accounts.py, companies.py, blobs.py, …); those alone import
pynamodb, chalicelib.storage.models, boto3 and botocore. The S3 key layout lives in
storage/keys.py only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STORAGE = "chalicelib/storage"
FORBIDDEN_IMPORTS = ("chalicelib.storage.models", "pynamodb")
AWS_SDK = ("boto3", "botocore")
KEY_PREFIXES = ("originals/", "documents/", "exports/", "imports/", "reports/")
KEY_MODULE = "chalicelib/storage/keys.py"

def _modules() -> list[Path]:
    """Every production module outside the storage layer: all of chalicelib (services, api,
    domain, anaf, invoices, webhooks, dependencies, …), the Lambda handlers, app.py and the
    operator scripts. (local/ is the local stack's own plumbing and binds the tables itself.)"""
    found = [path for path in sorted((ROOT / "chalicelib").rglob("*.py"))
             if not _name(path).startswith(f"{STORAGE}/")]
    found += sorted((ROOT / "functions").rglob("*.py")) + sorted((ROOT / "scripts").rglob("*.py"))
    return [*found, ROOT / "app.py"]


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def forbidden_imports(source: str, forbidden: tuple[str, ...] = FORBIDDEN_IMPORTS) -> list[str]:
    """The forbidden modules (by default the storage internals) a source imports (any import form)."""
    imported: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.append(node.module)
            imported += [f"{node.module}.{alias.name}" for alias in node.names]
    return sorted({name for name in imported
                   if any(name == bad or name.startswith(f"{bad}.") for bad in forbidden)})


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
    assert forbidden_imports("from botocore.exceptions import ClientError", AWS_SDK) == [
        "botocore.exceptions", "botocore.exceptions.ClientError"]
    assert any(_name(path) == "chalicelib/dependencies.py" for path in _modules())
    assert not any(_name(path).startswith(f"{STORAGE}/") for path in _modules())
    assert key_literals('key = f"documents/{cif}/{message_id}/invoice.pdf"') == ["documents/"]
    assert key_literals('"exports/x.zip"') == ["exports/x.zip"]


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_only_storage_imports_pynamodb_models(path: Path) -> None:
    imported = forbidden_imports(path.read_text(encoding="utf-8"))
    assert not imported, f"{_name(path)} imports {imported}: speak to a repository in chalicelib/storage/"


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_only_storage_speaks_to_aws_through_the_sdk(path: Path) -> None:
    # S3, SQS, SES, Cognito, KMS and their errors stay behind the storage adapters (blobs.py,
    # queues.py, mail.py, …), so no service writes an object or catches a botocore error itself.
    imported = forbidden_imports(path.read_text(encoding="utf-8"), AWS_SDK)
    assert not imported, f"{_name(path)} imports {imported}: use an adapter in chalicelib/storage/"


def test_only_the_key_module_spells_s3_keys() -> None:
    sources = [*sorted((ROOT / "chalicelib").rglob("*.py")), *sorted((ROOT / "functions").rglob("*.py")),
               *sorted((ROOT / "scripts").rglob("*.py")), ROOT / "app.py"]
    spelled = {_name(path): found for path in sources if _name(path) != KEY_MODULE
               and (found := key_literals(path.read_text(encoding="utf-8")))}
    assert not spelled, f"S3 keys built outside {KEY_MODULE}: {spelled}"
    assert key_literals((ROOT / KEY_MODULE).read_text(encoding="utf-8"))  # the check can see keys
