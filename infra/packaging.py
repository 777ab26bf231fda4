"""How the Python code becomes Lambda packages.

* The API is packaged by Chalice (`chalice.cdk.Chalice` runs `chalice package`): app.py,
  chalicelib/ and requirements.txt, whose wheels Chalice downloads for Lambda (manylinux,
  Python 3.12 because the CDK app runs on 3.12) and caches in .chalice/deployments/.
* The zip workers (functions/*, except the image ones) reuse that same package: Chalice's
  deployment.zip plus functions/ appended, so one dependency build serves every zip Lambda.
* render_pdf is a container image (infra/docker/render_pdf.Dockerfile), built by `cdk deploy`
  (cdk-assets runs docker build); synth only stages its build context.

Offline packaging (tests, or `-c arhivar:offline_packaging=true`) runs the same Chalice
packaging on a staged copy of the app without requirements.txt: the SAM template, routes and
app code are the real ones, only the third-party wheels are left out, so synth needs neither
network nor docker and takes seconds. What those wheels weigh is measured separately
(`dependency_closure`) from the distributions installed in this Python.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = REPO_ROOT / "requirements.txt"
CHALICE_APP_FILES = ("app.py",)
CHALICE_APP_DIRS = ("chalicelib",)
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


@dataclass(frozen=True)
class Packaging:
    """Where packaging works, and whether it may download wheels."""

    work_dir: Path  # chalice.out/ and the workers' zip go here (never into the repo's root)
    offline: bool = False

    def chalice_source_dir(self) -> Path:
        if not self.offline:
            return REPO_ROOT
        staging = self.work_dir / "chalice-app"
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        for name in CHALICE_APP_FILES:
            shutil.copy2(REPO_ROOT / name, staging / name)
        for name in CHALICE_APP_DIRS:
            shutil.copytree(REPO_ROOT / name, staging / name, ignore=_SKIP)
        (staging / ".chalice").mkdir()
        shutil.copy2(REPO_ROOT / ".chalice" / "config.json", staging / ".chalice" / "config.json")
        # No requirements.txt: Chalice packages the app code only and never calls pip.
        return staging

    def image_context(self, name: str, dockerfile: str, passengers: tuple[str, ...] = ()) -> Path:
        """A docker build context holding only what the image copies (chalicelib/, functions/
        without the other functions' folders, whose folder holds its complete lock; plus the
        folders of the functions that ride in this image) and its Dockerfile."""
        context = self.work_dir / "images" / name
        if context.exists():
            shutil.rmtree(context)
        context.mkdir(parents=True)
        shutil.copytree(REPO_ROOT / "chalicelib", context / "chalicelib", ignore=_SKIP)
        (context / "functions").mkdir()
        shutil.copy2(REPO_ROOT / "functions" / "__init__.py", context / "functions" / "__init__.py")
        for folder in (name, *passengers):
            shutil.copytree(REPO_ROOT / "functions" / folder, context / "functions" / folder, ignore=_SKIP)
        shutil.copy2(REPO_ROOT / dockerfile, context / "Dockerfile")
        return context

    def workers_zip(self, chalice_zip: Path, image_functions: set[str]) -> Path:
        """Chalice's deployment package plus functions/ (without the image functions)."""
        target = self.work_dir / "workers" / f"{chalice_zip.parent.name}.zip"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(chalice_zip, target)
        functions_dir = REPO_ROOT / "functions"
        with zipfile.ZipFile(target, "a", zipfile.ZIP_DEFLATED) as bundle:
            for path in sorted(functions_dir.rglob("*")):
                relative = path.relative_to(REPO_ROOT)
                if not path.is_file() or "__pycache__" in relative.parts or path.suffix == ".pyc":
                    continue
                if len(relative.parts) > 2 and relative.parts[1] in image_functions:
                    continue
                info = zipfile.ZipInfo(relative.as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                bundle.writestr(info, path.read_bytes())
        return target


@contextlib.contextmanager
def isolated_packaging(work_dir: Path, region: str) -> Iterator[None]:
    """Run Chalice's packaging without letting it leak into this process.

    chalice.cdk writes chalice.out/ into the working directory, and loading the app adds the
    project to sys.path and the stage's environment variables (CDK tokens) to os.environ.
    Chalice asks botocore for the region (service principals); it makes no AWS call.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    saved_cwd, saved_path, saved_environ = os.getcwd(), list(sys.path), dict(os.environ)
    had_app = "app" in sys.modules
    os.chdir(work_dir)
    os.environ["AWS_DEFAULT_REGION"] = region
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        os.environ.clear()
        os.environ.update(saved_environ)
        if not had_app:
            sys.modules.pop("app", None)


# -- what the dependencies weigh ---------------------------------------------------------------

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(requirements: Path) -> list[tuple[str, set[str]]]:
    """(name, extras) of each requirement line, following `-r other.txt`."""
    found: list[tuple[str, set[str]]] = []
    for raw in requirements.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r"):
            found += requirement_names((requirements.parent / line[2:].strip()).resolve())
            continue
        match = _NAME.match(line)
        if match:
            extras = {e.strip() for e in (match.group(2) or "[]")[1:-1].split(",") if e.strip()}
            found.append((match.group(1), extras))
    return found


def dependency_closure(requirements: Path) -> dict[str, metadata.Distribution]:
    """Every installed distribution that `pip install -r requirements` brings (canonical name
    -> distribution), read from this interpreter's site-packages: no network."""
    from packaging.requirements import Requirement

    closure: dict[str, metadata.Distribution] = {}
    pending = [(name, extras) for name, extras in requirement_names(requirements)]
    while pending:
        name, extras = pending.pop()
        key = _canonical(name)
        if key in closure and not extras:
            continue
        distribution = metadata.distribution(name)
        closure[key] = distribution
        for text in distribution.requires or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is not None and not any(
                    marker.evaluate({"extra": extra}) for extra in (extras or {""})):
                continue
            if _canonical(requirement.name) not in closure:
                pending.append((requirement.name, set(requirement.extras)))
    return closure


def installed_files(distribution: metadata.Distribution) -> list[Path]:
    files = []
    for entry in distribution.files or []:
        path = Path(str(entry.locate()))
        if path.is_file() and "__pycache__" not in path.parts and ".dist-info" not in str(entry):
            files.append(path)
    return files
