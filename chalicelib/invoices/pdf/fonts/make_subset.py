"""Developer tool: rebuild the bundled Noto Sans subsets from Debian's `fonts-noto-core`.

    apt-get install fonts-noto-core
    .venv/bin/python -m chalicelib.invoices.pdf.fonts.make_subset

Why a subset: WeasyPrint embeds these files in every PDF and subsets them again per document.
With the full Noto Sans (3 300 glyphs, large GSUB/GPOS) that per-PDF subsetting costs more
than the whole layout of a one-page invoice when it runs in fontTools (hosts without
HarfBuzz's subsetter, e.g. AWS Lambda images): fontTools decompiles GDEF/GSUB/GPOS every time.
So the subset keeps Latin with every Romanian letter (ș ț ă î â and the legacy cedilla forms
ş ţ), Greek, Cyrillic, common punctuation and currency signs, and drops the OpenType layout
tables altogether (no kerning, no ligatures: invisible at invoice sizes) and the hinting
(PDF viewers do not need it).

Noto Sans is licensed under the SIL Open Font License 1.1 with no Reserved Font Name, so a
subset may keep its name; OFL.txt beside the fonts must travel with them.
"""

from __future__ import annotations

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

SOURCE = Path("/usr/share/fonts/truetype/noto")
HERE = Path(__file__).resolve().parent
FACES = ("NotoSans-Regular", "NotoSans-Bold")

RANGES = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1 Supplement
    (0x0100, 0x017F),  # Latin Extended-A (ă â î ş ţ and neighbours' letters)
    (0x0218, 0x021B),  # Latin Extended-B: Ș ș Ț ț (comma below)
    (0x02B9, 0x02DD),  # spacing modifiers (ˆ ˇ ˘ ˙ ˚ ˛ ˜ ˝)
    (0x0300, 0x0308),  # combining accents, as some programs write "a" + U+0306 for "ă"
    (0x030A, 0x030C),
    (0x0326, 0x0328),  # combining comma below and cedilla ("s" + U+0326 for "ș")
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x045F),  # Cyrillic
    (0x0490, 0x0491),  # Ukrainian Ґ ґ
    (0x2000, 0x206F),  # general punctuation (– — ‘ ’ „ ” … • ‰ thin and no-break spaces)
    (0x2070, 0x209F),  # superscripts and subscripts
    (0x20A0, 0x20C0),  # currency signs (€ and the rest)
    (0x2100, 0x215F),  # letterlike symbols and number forms (№ ™ ℮ ½)
    (0x2190, 0x2193),  # arrows
    (0x2212, 0x2212),  # minus sign
    (0x2260, 0x2265),  # ≠ ≤ ≥
    (0x25A0, 0x25CF),  # squares and circles used as bullets
    (0xFFFD, 0xFFFD),  # replacement character
)


def build(face: str) -> Path:
    font = TTFont(SOURCE / f"{face}.ttf")
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.drop_tables += ["DSIG", "gasp", "prep", "fpgm", "cvt ", "GDEF", "GSUB", "GPOS"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.notdef_outline = True
    options.glyph_names = False
    unicodes = [cp for low, high in RANGES for cp in range(low, high + 1)]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    target = HERE / f"{face}.subset.ttf"
    font.save(target)
    return target


def main() -> None:
    for face in FACES:
        target = build(face)
        font = TTFont(target)
        print(f"{target.name}: {target.stat().st_size} bytes, {font['maxp'].numGlyphs} glyphs, "
              f"tables {sorted(font.keys())}")


if __name__ == "__main__":
    main()
