"""The public viewer (POST /api/vizualizare, no account) through the local origin, which routes
the path to functions/public_viewer as API Gateway does: real ZIPs, the real renderer, the rate
limit counted in moto's DynamoDB."""

from __future__ import annotations

import base64
import io
import uuid
import zipfile

import pytest
import requests
from jsonschema import Draft202012Validator

from chalicelib.api.requests import openapi_document
from functions.public_viewer.handler import PATH, PER_HOUR
from tests.fixtures import ANAF_SAMPLES
from tests.invoices.builders import Member, invoice_xml, make_zip, sign_enveloped, throwaway_signer

REAL_ZIP = ANAF_SAMPLES / "prod-error-5935607155.zip"


def client() -> dict[str, str]:
    """A caller of its own (the rate limit counts per client address)."""
    ip = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"
    return {"X-Forwarded-For": f"198.51.100.250, {ip}", "Content-Type": "application/octet-stream"}


def view(base_url: str, content: bytes, headers: dict[str, str] | None = None) -> requests.Response:
    return requests.post(f"{base_url}{PATH}", data=content, headers=headers or client(), timeout=60)


def conforms(body: dict) -> None:
    """The answer matches its OpenAPI schema (ViewedFile)."""
    components = openapi_document()["components"]
    Draft202012Validator({"$ref": "#/components/schemas/ViewedFile", "components": components}).validate(body)


def members(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_a_real_anaf_zip_is_signed_by_the_ministry_of_finance(base_url):
    answer = view(base_url, REAL_ZIP.read_bytes())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    conforms(body)
    assert body["source"] == "zip" and body["upload_index"] == "5935607155"
    assert body["signature"]["status"] == "trusted"
    assert body["signature"]["signer"] and body["signature"]["signer"] in body["signature"]["message"]
    assert "Ministerului Finanțelor" in body["signature"]["message"]
    # An ERORI FACTURA message: ANAF's errors, no invoice to draw.
    assert body["kind"] == "error_message" and body["invoice"] is None
    assert any("a mai fost transmisa" in message for message in body["messages"])


def test_a_changed_document_in_a_real_zip_is_invalid_and_says_the_document_changed(base_url):
    files = members(REAL_ZIP.read_bytes())
    files["5935607155.xml"] = files["5935607155.xml"].replace(b"5896677868", b"5896677869")
    tampered = make_zip([Member(name, data) for name, data in files.items()])
    body = view(base_url, tampered).json()
    assert body["signature"]["status"] == "invalid"
    assert body["signature"]["changed"] == "document"
    assert "factura a fost modificată" in body["signature"]["message"]


def test_a_changed_signature_in_a_real_zip_is_invalid_and_says_the_signature_changed(base_url):
    files = members(REAL_ZIP.read_bytes())
    signature = files["semnatura_5935607155.xml"]
    start = signature.index(b"SignatureValue>") + len(b"SignatureValue>")
    flipped = b"A" if signature[start:start + 1] != b"A" else b"B"
    files["semnatura_5935607155.xml"] = signature[:start] + flipped + signature[start + 1:]
    body = view(base_url, make_zip([Member(name, data) for name, data in files.items()])).json()
    assert (body["signature"]["status"], body["signature"]["changed"]) == ("invalid", "signature")
    assert "semnăturii a fost modificat" in body["signature"]["message"]


@pytest.fixture(scope="module")
def test_signed_zip() -> bytes:
    document = invoice_xml(number="VIZ-7", name="Servicii de arhivare")
    signed = sign_enveloped(document, throwaway_signer("ANAF TEST vizualizare"))
    return make_zip([Member("4200000001.xml", document), Member("semnatura_4200000001.xml", signed)])


def test_a_test_environment_zip_shows_the_invoice_and_its_pdf(base_url, test_signed_zip):
    answer = view(base_url, test_signed_zip)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    conforms(body)
    assert body["signature"]["status"] == "test_environment"
    assert body["signature"]["signer"] == "ANAF TEST vizualizare"
    assert "mediul de test" in body["signature"]["message"]
    invoice = body["invoice"]
    assert invoice["number"] == "VIZ-7"
    assert "Servicii de arhivare" in invoice["html"] and "Furnizor SRL" in invoice["html"]
    pdf = base64.b64decode(invoice["pdf_base64"])
    assert pdf.startswith(b"%PDF-") and invoice["pdf_name"] == "4200000001.pdf"
    assert answer.headers["Cache-Control"] == "no-store"


def test_a_tampered_test_environment_zip_says_the_invoice_changed(base_url, test_signed_zip):
    files = members(test_signed_zip)
    files["4200000001.xml"] = files["4200000001.xml"].replace(b">119.00<", b">1190.00<")
    files["semnatura_4200000001.xml"] = files["semnatura_4200000001.xml"].replace(b">119.00<", b">1190.00<")
    body = view(base_url, make_zip([Member(name, data) for name, data in files.items()])).json()
    assert (body["signature"]["status"], body["signature"]["changed"]) == ("invalid", "document")
    assert body["invoice"]["number"] == "VIZ-7"  # still shown, under the invalid verdict


def test_a_loose_xml_invoice_is_shown_as_unsigned(base_url):
    body = view(base_url, (ANAF_SAMPLES / "anaf-example-invoice-ubl.xml").read_bytes()).json()
    assert body["source"] == "xml" and body["signature"]["status"] == "unsigned"
    assert base64.b64decode(body["invoice"]["pdf_base64"]).startswith(b"%PDF-")


XXE = (b'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&x;</Invoice>')
BOMB = make_zip([Member("1.xml", b"<a/>" + b" " * 3_000_000, declared_size=10),
                 Member("semnatura_1.xml", b"<s/>")])


@pytest.mark.parametrize(("content", "status", "code", "reason"), [
    (XXE, 400, "viewer_unsafe_xml", "doctype"),
    (make_zip([Member("7.xml", XXE), Member("semnatura_7.xml", b"<s/>")]), 400, "viewer_unsafe_xml", "doctype"),
    (BOMB, 400, "viewer_invalid_zip", "zip_bomb"),
    (b"%PDF-1.7 not what we read", 400, "viewer_unsupported_file", None),
    (b"PK\x03\x04 cut short", 400, "viewer_invalid_zip", "truncated"),
    (b"", 400, "viewer_empty_file", None),
    (b"<note>salut</note>", 400, "viewer_not_an_invoice", None),
    (b"<" + b"x" * (4 * 1024 * 1024), 413, "viewer_file_too_large", None),
], ids=["xxe", "xxe-in-a-zip", "zip-bomb", "not-a-zip", "truncated-zip", "empty", "not-an-invoice", "too-large"])
def test_hostile_or_wrong_files_are_clear_4xx(base_url, content, status, code, reason):
    answer = view(base_url, content)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code
    assert error["message"] and error["message"][-1] == "." and any(c in error["message"] for c in "ăâîșțĂÎȘȚ")
    assert error.get("details", {}).get("reason") == reason


def test_the_viewer_is_rate_limited_per_client(base_url):
    caller = client()
    for _ in range(PER_HOUR):
        assert view(base_url, b"", caller).status_code == 400
    refused = view(base_url, b"", caller)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert view(base_url, b"", client()).status_code == 400  # another client is not held back
