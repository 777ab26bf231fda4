"""Spreadsheet files written row by row into a binary stream: CSV for Romanian Excel, and a
minimal valid XLSX (Office Open XML) built with zipfile, without any spreadsheet library.

- CSV: UTF-8 with BOM, ";" between cells, CRLF; amounts as plain numbers with "." (the cells come
  from domain/document_columns.csv_cell, which also defuses formula-looking text).
- XLSX: one sheet, inline strings (no shared-string table to keep in memory), real numbers for
  amounts (format #,##0.00) and real dates (serial numbers, format dd.mm.yyyy).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol
from xml.sax.saxutils import escape

from chalicelib.domain.document_columns import Column, csv_cell

BOM = "\ufeff".encode("utf-8")


class BinarySink(Protocol):
    """Where a sheet is written: a binary file, a BytesIO, or storage.multipart.MultipartWriter
    (what zipfile needs to write into a stream that cannot seek)."""

    def write(self, data: bytes, /) -> int: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


class CsvWriter:
    def __init__(self, out: BinarySink, columns: Sequence[Column], extra: Sequence[str] = ()) -> None:
        self._out = out
        self._text = io.StringIO()
        self._csv = csv.writer(self._text, delimiter=";", lineterminator="\r\n")
        out.write(BOM)
        self._emit([c.title for c in columns] + list(extra))

    def row(self, values: Sequence[Any]) -> None:
        self._emit([csv_cell(v) for v in values])

    def _emit(self, cells: list[str]) -> None:
        self._csv.writerow(cells)
        self._out.write(self._text.getvalue().encode("utf-8"))
        self._text.seek(0)
        self._text.truncate()


# -- XLSX -------------------------------------------------------------------------------------------

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>
</workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
# cellXfs: 0 general, 1 date, 2 date-time, 3 amount, 4 bold header
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="3"><numFmt numFmtId="164" formatCode="dd.mm.yyyy"/><numFmt numFmtId="165" formatCode="dd.mm.yyyy hh:mm"/><numFmt numFmtId="166" formatCode="#,##0.00"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""
_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 - spreadsheet serial dates count wall-clock days
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(ref: str, value: Any, header: bool = False) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        serial = (value.replace(tzinfo=None) - _EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="2"><v>{serial:.10f}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="1"><v>{(value - _EPOCH.date()).days}</v></c>'
    if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        return f'<c r="{ref}" s="3"><v>{format(Decimal(value), "f")}</v></c>'
    text = escape(_ILLEGAL_XML.sub("", str(value)))
    style = ' s="4"' if header else ""
    return f'<c r="{ref}" t="inlineStr"{style}><is><t xml:space="preserve">{text}</t></is></c>'


class XlsxWriter:
    """with XlsxWriter(out, columns) as sheet: sheet.row([...])."""

    def __init__(self, out: BinarySink, columns: Sequence[Column], sheet_name: str = "Documente") -> None:
        self._zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED)
        self._zip.writestr("[Content_Types].xml", _CONTENT_TYPES)
        self._zip.writestr("_rels/.rels", _ROOT_RELS)
        self._zip.writestr("xl/workbook.xml", _WORKBOOK.format(name=escape(sheet_name)))
        self._zip.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        self._zip.writestr("xl/styles.xml", _STYLES)
        self._sheet = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        widths = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{_width(c)}" customWidth="1"/>'
                         for i, c in enumerate(columns))
        self._put('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                  '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                  'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
                  f'<cols>{widths}</cols><sheetData>')
        self._rows = 0
        self._closed = False
        self._row([c.title for c in columns], header=True)

    def __enter__(self) -> XlsxWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def row(self, values: Iterable[Any]) -> None:
        self._row(list(values))

    def _row(self, values: list[Any], header: bool = False) -> None:
        self._rows += 1
        n = self._rows
        cells = "".join(_cell(f"{column_letter(i)}{n}", v, header) for i, v in enumerate(values))
        self._put(f'<row r="{n}">{cells}</row>')

    def _put(self, text: str) -> None:
        self._sheet.write(text.encode("utf-8"))

    def close(self) -> None:
        if self._closed:
            return
        self._put("</sheetData></worksheet>")
        self._sheet.close()
        self._closed = True
        self._zip.close()


def _width(column: Column) -> int:
    return {"datetime": 17, "date": 12, "number": 14}.get(column.kind, max(12, len(column.title) + 2))
