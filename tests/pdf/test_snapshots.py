"""Layout regressions: pages of reference invoices compared with PNG snapshots, with a tolerance.

The PNGs in tests/pdf/snapshots/ are rasterised by poppler's `pdftoppm` (Debian package
`poppler-utils`) at 60 dpi in grey. A page differs when more than `TOLERANCE` of its pixels
differ by more than `PIXEL_DELTA` grey levels: anti-aliasing noise between poppler versions
stays far below that, a moved block or a changed font does not.

Regenerate after an intended design change (then look at the PNGs before committing them):

    ARHIVAR_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/pdf/test_snapshots.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from tests.pdf import factory
from tests.pdf.conftest import render

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("ARHIVAR_UPDATE_SNAPSHOTS") == "1"
DPI = 60
PIXEL_DELTA = 64
TOLERANCE = 0.0015  # share of the page's pixels

REFERENCES = {
    "sandbox-1-line": (lambda: factory.xml(1), (1,)),
    "sandbox-20-lines": (lambda: factory.xml(20), (1, 2)),
    "anaf-credit-note-sek": (lambda: factory.sample("anaf-example-credit-note.xml"), (1,)),
}


def pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("pdftoppm is missing: CI must install the Debian package poppler-utils")
        pytest.skip("pdftoppm (Debian package poppler-utils) is not installed")
    return found


def rasterise(pdf: bytes, page: int, workdir: Path) -> Image.Image:
    source = workdir / "page.pdf"
    source.write_bytes(pdf)
    target = workdir / f"page-{page}"
    subprocess.run([pdftoppm(), "-r", str(DPI), "-gray", "-png", "-singlefile", "-f", str(page),
                    "-l", str(page), str(source), str(target)], check=True, timeout=60)
    return Image.open(f"{target}.png").convert("L")


def difference(expected: Image.Image, actual: Image.Image) -> float:
    if expected.size != actual.size:
        return 1.0
    diff = ImageChops.difference(expected, actual).point(lambda v: 255 if v > PIXEL_DELTA else 0)
    changed = diff.histogram()[255]
    return changed / (expected.size[0] * expected.size[1])


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_pages_match_their_snapshots(name, tmp_path):
    make, pages = REFERENCES[name]
    rendered = render(make())
    assert len(rendered.pages) == max(pages) or name != "sandbox-1-line"
    for page in pages:
        actual = rasterise(rendered.result.pdf, page, tmp_path)
        snapshot = SNAPSHOTS / f"{name}-p{page}.png"
        if UPDATE or not snapshot.exists():
            if not UPDATE and os.environ.get("CI"):
                pytest.fail(f"missing snapshot {snapshot.name}")
            SNAPSHOTS.mkdir(exist_ok=True)
            actual.save(snapshot, optimize=True)
            continue
        ratio = difference(Image.open(snapshot).convert("L"), actual)
        if ratio > TOLERANCE:
            kept = tmp_path / f"{name}-p{page}.actual.png"
            actual.save(kept)
            pytest.fail(f"{snapshot.name}: {ratio:.2%} of the pixels differ (tolerance {TOLERANCE:.2%}); "
                        f"actual page saved as {kept}; set ARHIVAR_UPDATE_SNAPSHOTS=1 if intended")
