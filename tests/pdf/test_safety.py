"""Invoice text is hostile: it is escaped, it can never make the renderer fetch anything, and
rendering is bounded in time and size."""

from __future__ import annotations

import dataclasses
import re
import socket
import time

import pytest

from chalicelib.invoices.pdf import render_html, render_invoice, render_invoice_xml, renderer, view
from chalicelib.invoices.pdf.fetcher import AssetFetcher, RefusedUrl
from chalicelib.invoices.ubl import parse_invoice
from local.anaf_sandbox import ubl
from tests.pdf import factory
from tests.pdf.conftest import CONTEXT, flatten, pdf_pages

IMG = '<img src="http://127.0.0.1:9/tracker.png">Evil SRL'
CSS = ('</td></tr></table><style>@import url("http://127.0.0.1:9/x.css"); '
       'body { background: url(file:///etc/passwd) }</style>')
LINK = '<link rel="stylesheet" href="file:///etc/passwd"><script>alert(1)</script>Produs'
DATA = "url(data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=) {{ 7*7 }} {% if 1 %}jinja{% endif %}"
SVG = '<svg><image href="file:///etc/passwd"/></svg> <object data="https://127.0.0.1:9/o"></object>'
HUGE = "Ș" + "A" * (5 * 1024 * 1024 - 2)  # a 5 MB item name with no space to break at
EXTERNAL = "http://127.0.0.1:9/leak?file=/etc/passwd"


def hostile_xml() -> bytes:
    doc = factory.document(3, attachment=True, note=SVG)
    seller = dataclasses.replace(doc.seller, name=IMG, street='<iframe src="https://127.0.0.1:9/">Str. X')
    buyer = dataclasses.replace(doc.buyer, name=CSS)
    lines = (dataclasses.replace(doc.lines[0], name=LINK, description=DATA),
             dataclasses.replace(doc.lines[1], name=HUGE),
             *doc.lines[2:])
    xml = ubl.render(dataclasses.replace(doc, seller=seller, buyer=buyer, lines=lines))
    return xml.replace(b"</cbc:EmbeddedDocumentBinaryObject>",
                       b"</cbc:EmbeddedDocumentBinaryObject><cac:ExternalReference><cbc:URI>"
                       + EXTERNAL.encode() + b"</cbc:URI></cac:ExternalReference>", 1)


@pytest.fixture
def no_network(monkeypatch):
    """Record (and refuse) every outgoing connection attempt during the test."""
    attempts = []
    real_connect = socket.socket.connect

    def connect(self, address):
        attempts.append(address)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", connect)
    yield attempts
    monkeypatch.setattr(socket.socket, "connect", real_connect)


def test_hostile_invoice_renders_escaped_without_any_fetch_in_bounded_time(no_network, monkeypatch):
    fresh = renderer.Engine()  # a cold engine: its fetcher sees every request, fonts included
    monkeypatch.setattr(renderer, "_engine", fresh)
    assert sorted(fresh.fetcher.requested) == [
        "arhivar-asset:fonts/NotoSans-Bold.subset.ttf", "arhivar-asset:fonts/NotoSans-Regular.subset.ttf"]
    xml = hostile_xml()
    assert len(xml) > 5 * 1024 * 1024

    started = time.perf_counter()
    result = render_invoice_xml(xml, CONTEXT)
    elapsed = time.perf_counter() - started

    assert result.ok, (result.reason, result.detail)
    assert elapsed < 20
    assert len(result.pdf) < 2 * 1024 * 1024
    assert fresh.fetcher.refused == []
    assert all(url.startswith("arhivar-asset:fonts/") for url in fresh.fetcher.requested)
    assert no_network == []

    text = flatten("\n".join(pdf_pages(result.pdf)))
    squeezed = "".join(text.split())  # long texts wrap anywhere: compare without whitespace
    for visible in (IMG, CSS, LINK, DATA, SVG, '<iframe src="https://127.0.0.1:9/">Str. X', EXTERNAL):
        assert "".join(visible.split()) in squeezed, visible
    assert "{{7*7}}{%if1%}jinja{%endif%}" in squeezed  # a value is never a template
    assert "ȘAAAAAAAAA" in text and "AAAA…" in text  # the huge name is cut, with a note
    assert "Unele texte foarte lungi au fost scurtate" in text


def test_the_html_escapes_every_value():
    invoice = parse_invoice(hostile_xml())
    html = render_html(invoice, CONTEXT)
    assert "<img" not in html and "<script" not in html and "<style>@import" not in html
    assert "<link" not in html and "<iframe" not in html and "<svg" not in html
    assert "&lt;img src=&#34;http://127.0.0.1:9/tracker.png&#34;&gt;Evil SRL" in html
    assert "file:///etc/passwd" in html  # as text only
    assert not re.search(r"<[^>]*\s(href|src|style|data)\s*=", html)  # no attribute carries a URL


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/x.png", "https://example.com/font.ttf", "file:///etc/passwd",
    "FILE:///etc/passwd", "data:text/css,body{}", "ftp://127.0.0.1/x", "fonts/NotoSans-Regular.subset.ttf",
    "arhivar-asset:../renderer.py", "arhivar-asset:fonts/../renderer.py", "arhivar-asset:/etc/passwd",
    "arhivar-asset:templates/invoice.css", "//127.0.0.1/x",
])
def test_the_fetcher_refuses_everything_but_the_bundled_fonts(url):
    fetcher = AssetFetcher()
    with pytest.raises(RefusedUrl):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_serves_the_bundled_fonts():
    fetcher = AssetFetcher()
    response = fetcher.fetch("arhivar-asset:fonts/NotoSans-Regular.subset.ttf")
    assert response.read()[:4] == b"\x00\x01\x00\x00"


def test_a_render_over_its_time_limit_fails_with_a_reason_and_the_next_one_works():
    invoice = parse_invoice(factory.xml(200))
    result = render_invoice(invoice, CONTEXT, timeout_s=0.05)
    assert not result.ok and result.reason == "timeout" and result.pdf is None
    again = render_invoice(parse_invoice(factory.xml(1)), CONTEXT)
    assert again.ok


def test_too_many_lines_are_cut_with_a_note(monkeypatch):
    monkeypatch.setattr("chalicelib.invoices.pdf.view.MAX_LINES", 5)
    result = render_invoice_xml(factory.xml(12), CONTEXT)
    assert result.ok
    text = flatten("\n".join(pdf_pages(result.pdf)))
    assert ("Documentul are 12 linii; sunt afișate primele 5. "
            "XML-ul complet, cu toate liniile, este păstrat în arhivă.") in text


def test_a_renderer_failure_is_a_result_not_an_exception(monkeypatch):
    def broken(self, html):
        raise RuntimeError("pango exploded")

    monkeypatch.setattr(renderer.Engine, "pdf", broken)
    result = render_invoice_xml(factory.xml(1), CONTEXT)
    assert not result.ok and result.reason == "render_error" and "pango exploded" in result.detail


def test_a_15_000_line_invoice_renders_its_first_lines_with_a_note_on_the_first_page():
    result = render_invoice_xml(factory.xml(15_000), CONTEXT)
    assert result.ok, result
    pages = pdf_pages(result.pdf)
    note = (f"Documentul are 15.000 de linii; sunt afișate primele {view.MAX_LINES}. "
            "XML-ul complet, cu toate liniile, este păstrat în arhivă.")
    assert note in flatten(pages[0])
    assert len(pages) <= 40  # the cap bounds the layout work, whatever the XML holds
    shown = parse_invoice(factory.xml(15_000)).lines[view.MAX_LINES - 1]
    assert flatten(shown.name) in flatten("\n".join(pages))


def test_long_line_texts_stop_the_lines_shown_before_the_line_cap():
    doc = factory.document(100)
    long_lines = tuple(dataclasses.replace(line, description="Descriere lungă a serviciului. " * 300)
                       for line in doc.lines)
    invoice = parse_invoice(ubl.render(dataclasses.replace(doc, lines=long_lines)))
    shown = view.build_view(invoice, CONTEXT)
    per_line = len(shown.lines[0].name) + len(shown.lines[0].description)
    assert 1 < len(shown.lines) <= view.MAX_LINES_TEXT // per_line + 1 < 100
    assert shown.lines_cut
    assert f"Documentul are 100 de linii; sunt afișate primele {len(shown.lines)}." in shown.lines_note
