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


# -- one writer per record -------------------------------------------------------------------------

MODELS_MODULE = ROOT / "chalicelib/storage/models.py"
UPDATE_ACTIONS = {"set", "add", "remove", "delete", "append", "prepend"}
# The limits table holds small records of several owners, each under its own key prefix.
SHARED_TABLE_WRITERS = {"LimitCounterModel": {"limits.py", "devices.py", "digests.py", "documents.py",
                                              "mac_keys.py", "mail_records.py"}}


def _model_names() -> set[str]:
    return {node.name for node in ast.parse(MODELS_MODULE.read_text(encoding="utf-8")).body
            if isinstance(node, ast.ClassDef) and node.name.endswith("Model")}


def written_models(source: str, models: set[str]) -> set[str]:
    """The models a source writes: it builds an item (`CompanyModel(cif=…)`, the start of every
    save, update or delete) or an update action (`CompanyModel.next_sync_at.set(…)`). Reading
    (`CompanyModel.get`, `.query`) is not writing."""
    written: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name) and node.func.id in models:
            written.add(node.func.id)
        elif isinstance(node.func, ast.Attribute) and node.func.attr in UPDATE_ACTIONS:
            target = node.func.value
            while isinstance(target, ast.Attribute):
                target = target.value
            if isinstance(target, ast.Name) and target.id in models:
                written.add(target.id)
    return written


def test_the_writer_check_tells_writes_from_reads() -> None:
    models = {"CompanyModel"}
    assert written_models("CompanyModel(cif=c).update(actions=[])", models) == {"CompanyModel"}
    assert written_models("x = [CompanyModel.next_sync_at.set(t)]", models) == {"CompanyModel"}
    assert written_models("CompanyModel.get(c, attributes_to_get=['n'])", models) == set()


def test_each_record_is_written_by_one_repository_module() -> None:
    # Company scheduling state (lease, next_sync_at, shard, counters) is written only by
    # storage/companies.py, documents only by storage/documents.py, and so on.
    models = _model_names()
    writers: dict[str, set[str]] = {model: set() for model in models}
    for path in sorted((ROOT / STORAGE).rglob("*.py")):
        if path != MODELS_MODULE:
            for model in written_models(path.read_text(encoding="utf-8"), models):
                writers[model].add(path.name)
    shared = {model: found for model, found in writers.items() if model in SHARED_TABLE_WRITERS}
    assert shared == SHARED_TABLE_WRITERS
    several = {model: sorted(found) for model, found in writers.items()
               if model not in SHARED_TABLE_WRITERS and len(found) > 1}
    assert not several, f"records written by more than one module: {several}"
    assert writers["CompanyModel"] == {"companies.py"} and writers["DocumentModel"] == {"documents.py"}
