"""Input that used to answer 500 (found by schemathesis and by hand), over HTTP against the
local stack: each is now a 400 with a stable code (or, for the e-mailed unsubscribe link, the
page that explains), and nothing is stored on the way."""

from __future__ import annotations

import pytest
import requests

from chalicelib.storage.models import CompanyModel
from local.mailbox import sent_mail
from tests.api.conftest import email_address
from tests.api.importing import import_zip
from tests.api.proven import Proven, proven_company
from tests.invoices.builders import Member, make_zip

VALID_CIF = "8486152"
# Written as escapes: Arabic-Indic (U+0660..U+0669) and full-width (U+FF10..U+FF19) digits look like ASCII ones.
ARABIC_INDIC = str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669")
FULL_WIDTH = str.maketrans("0123456789", "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19")


@pytest.fixture(scope="module")
def proven(local_stack, base_url) -> Proven:
    return proven_company(base_url, local_stack.ports.sandbox_url)


def error_code(answer: requests.Response) -> str:
    assert answer.headers["Content-Type"].startswith("application/json"), answer.text
    return answer.json()["error"]["code"]


# -- Unicode digits --------------------------------------------------------------------------------

@pytest.mark.parametrize("cif", ["²²", VALID_CIF.translate(ARABIC_INDIC), VALID_CIF.translate(FULL_WIDTH)])
def test_a_cif_in_unicode_digits_creates_no_shadow_company(proven, cif):
    # GIVEN a signed-in user WHEN they add or look up a CIF written in non-ASCII digits
    for path in ("/companies", "/companies/lookup"):
        answer = proven.user.call("POST", path, json={"cif": cif})
        # THEN it is refused as an invalid CIF
        assert answer.status_code == 400 and error_code(answer) == "invalid_cif", answer.text
    # AND no company and no membership exist under that text
    with pytest.raises(CompanyModel.DoesNotExist):
        CompanyModel.get(cif)
    assert cif not in {c["cif"] for c in proven.user.call("GET", "/companies").json()["companies"]}


@pytest.mark.parametrize(("params", "code"), [
    ({"page_size": "²"}, "invalid_page_size"),
    ({"page_size": "\u0661\u0660"}, "invalid_page_size"),
    ({"page_size": "\uff12\uff15"}, "invalid_page_size"),
    ({"amount_min": "\u0661\u0662\u0663"}, "invalid_amount"),
    ({"created_from": "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0661"}, "invalid_date"),
    ({"cursor": "é.é"}, "invalid_cursor"),
    ({"cursor": "ȘȚ" * 30}, "invalid_cursor"),
])
def test_document_lists_refuse_unicode_digits_and_non_ascii_cursors(proven, params, code):
    answer = proven.user.call("GET", f"/companies/{proven.cif}/documents", params=params)
    assert answer.status_code == 400 and error_code(answer) == code, answer.text


# -- unsubscribe tokens ----------------------------------------------------------------------------

@pytest.mark.parametrize("token", ["ă", "v1.utilizator.exports.8486152.țț", "\u0661\u0662\u0663.\u0664\u0665\u0666"])
def test_a_non_ascii_unsubscribe_token_is_an_invalid_link(base_url, token):
    # WHEN the e-mailed link is opened with a non-ASCII token THEN the page explains
    page = requests.get(f"{base_url}/api/unsubscribe", params={"token": token}, allow_redirects=False, timeout=10)
    assert page.status_code == 302 and "eroare=link_invalid" in page.headers["Location"]
    # AND the one-click POST is a 400 with its code
    click = requests.post(f"{base_url}/api/unsubscribe", params={"token": token}, data="List-Unsubscribe=One-Click",
                          headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert click.status_code == 400 and error_code(click) == "unsubscribe_link_invalid"


# -- deeply nested JSON ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/auth/login", "/auth/signup", "/auth/forgot-password"])
def test_deeply_nested_json_is_an_invalid_request(base_url, path):
    body = b"[" * 5000 + b"]" * 5000
    answer = requests.post(f"{base_url}/api{path}", data=body, headers={"Content-Type": "application/json"},
                           timeout=10)
    assert answer.status_code == 400 and error_code(answer) == "invalid_request"


# -- unreadable members in an uploaded ZIP ---------------------------------------------------------

INNER = b"PK\x03\x04" + b"ANAF" * 64


@pytest.mark.parametrize("member", [
    Member("5100000001.zip", INNER, flags=0x0801),  # encrypted
    Member("5100000001.zip", INNER, method=99),  # unknown compression
    Member("5100000001.zip", INNER, method=12),  # bzip2 header over data that is not bzip2
])
def test_an_upload_with_an_unreadable_member_fails_the_job_and_imports_nothing(proven, member):
    # GIVEN a ZIP of ANAF ZIPs where one member is encrypted, unknown-compressed or corrupt
    upload = make_zip([Member("5100000002.zip", INNER), member])
    before = proven.user.call("GET", f"/companies/{proven.cif}/documents").json()["total"]
    # WHEN it is imported (presigned upload, import worker)
    job = import_zip(proven.user, proven.cif, upload)
    # THEN the job failed with the layer's code and a Romanian reason, and nothing is archived
    assert job["state"] == "failed" and job["error"]["code"] == "import_invalid_zip", job
    assert "deteriorată" in job["error"]["message"]
    assert job["files"] == [] and job["counts"] == {"archived": 0, "duplicate": 0, "rejected": 0}
    assert proven.user.call("GET", f"/companies/{proven.cif}/documents").json()["total"] == before


def test_a_corrupt_deflate_stream_in_an_upload_fails_the_job(proven):
    content = bytearray(make_zip([Member("5100000003.zip", bytes(range(256)) * 64)]))
    start = 30 + len("5100000003.zip")
    content[start + 5: start + 25] = b"\xff" * 20
    job = import_zip(proven.user, proven.cif, bytes(content))
    assert job["state"] == "failed" and job["error"]["code"] == "import_invalid_zip", job


def test_a_single_anaf_zip_with_an_encrypted_member_is_rejected_in_the_results(proven):
    # GIVEN one ANAF-shaped ZIP (not a ZIP of ZIPs) whose invoice member is encrypted
    upload = make_zip([Member("5100000004.xml", b"<a/>", flags=0x0801), Member("semnatura_5100000004.xml", b"<s/>")])
    # WHEN imported THEN the file is reported rejected (the ANAF ZIP checks), not a failed job
    job = import_zip(proven.user, proven.cif, upload, "factura.zip")
    assert job["state"] == "done", job
    assert job["counts"] == {"archived": 0, "duplicate": 0, "rejected": 1}
    assert job["files"][0]["name"] == "factura.zip" and job["files"][0]["reason"]


# -- e-mail addresses ------------------------------------------------------------------------------

HOSTILE_EMAILS = ["Ion <ion@exemplu.ro>", '"ion"@exemplu.ro', "ion@exemplu.ro\r\nBcc: toti@exemplu.ro",
                  "ion\x01@exemplu.ro", "ion@exemplu.ro>"]


@pytest.mark.parametrize("email", HOSTILE_EMAILS)
def test_an_invitation_to_a_hostile_address_stores_and_sends_nothing(proven, email):
    # GIVEN an owner and the company's members
    members = f"/companies/{proven.cif}/members"
    before = proven.user.call("GET", members).json()["members"]
    mails_before = len(sent_mail())
    # WHEN they invite an address with brackets, quotes, CR/LF or control characters
    answer = proven.user.call("POST", members, json={"email": email, "role": "viewer"})
    # THEN it is a 400 with the e-mail code, no membership is stored and nothing is sent
    assert answer.status_code == 400 and error_code(answer) == "invalid_email", answer.text
    assert answer.json()["error"]["details"] == {"field": "email"}
    assert proven.user.call("GET", members).json()["members"] == before
    assert len(sent_mail()) == mails_before


@pytest.mark.parametrize(("path", "extra"), [
    ("/auth/signup", {"password": "Parolă-Sigură-2026!", "accepted_terms_version": "x"}),
    ("/auth/login", {"password": "Parolă-Sigură-2026!"}),
    ("/auth/forgot-password", {}),
    ("/auth/resend-code", {}),
    ("/auth/confirm", {"code": "123456"}),
    ("/auth/reset-password", {"code": "123456", "password": "Parolă-Sigură-2026!"}),
])
def test_every_public_e_mail_input_refuses_hostile_addresses(base_url, path, extra):
    for email in HOSTILE_EMAILS:
        answer = requests.post(f"{base_url}/api{path}", json={"email": email, **extra}, timeout=10)
        assert answer.status_code == 400 and error_code(answer) == "invalid_email", \
            (email, answer.text)


def test_an_authorization_link_to_a_hostile_address_is_refused(proven):
    for email in HOSTILE_EMAILS:
        answer = proven.user.call("POST", f"/companies/{proven.cif}/anaf/link", json={"email": email})
        assert answer.status_code == 400 and error_code(answer) == "invalid_email", answer.text


def test_a_plain_invitation_still_works_and_is_stored_normalized(proven):
    email = email_address("invitat").upper()
    answer = proven.user.call("POST", f"/companies/{proven.cif}/members",
                              json={"email": f" {email} ", "role": "viewer"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["member"]["email"] == email.lower()


# -- found by the schemathesis run ---------------------------------------------------------------

def test_json_answers_say_they_are_json(base_url, proven):
    # GIVEN routes that answer a JSON body without naming a Content-Type (as API Gateway
    # defaults it) WHEN called THEN the local origin says application/json too
    for answer in (requests.get(f"{base_url}/api/health", timeout=10),
                   proven.user.call("GET", "/companies")):
        assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"


def test_disconnecting_a_company_twice_is_not_a_server_error(local_stack, base_url):
    # GIVEN a proven company whose ANAF authorization was disconnected
    other = proven_company(base_url, local_stack.ports.sandbox_url)
    first = other.user.call("DELETE", f"/companies/{other.cif}/anaf")
    assert first.status_code == 204, first.text
    # WHEN it is disconnected again (the credential is gone) THEN it is the same 204
    again = other.user.call("DELETE", f"/companies/{other.cif}/anaf")
    assert again.status_code == 204, again.text
    assert other.user.call("GET", f"/companies/{other.cif}").json()["company"]["authorization"]["state"] != "authorized"


@pytest.mark.parametrize("token", ["é", "ÿ.ÿ.ÿ", "a" * 5000, "e30.e30.", "\u0661\u0662\u0663"])
def test_a_malformed_access_token_is_not_authenticated(base_url, token):
    # GIVEN a bearer token that is not a JWT (Latin-1 bytes, huge, empty signature, not ASCII)
    headers = {"Authorization": f"Bearer {token}".encode()}
    # WHEN a protected route is called THEN it is 401 not_authenticated
    answer = requests.get(f"{base_url}/api/companies", headers=headers, timeout=10)
    assert answer.status_code == 401 and error_code(answer) == "not_authenticated"


@pytest.mark.parametrize("cookie", ["é".encode(), "x" * 3000, "\u0661\u0662\u0663".encode()])
def test_a_malformed_refresh_cookie_is_not_authenticated(base_url, cookie):
    value = cookie if isinstance(cookie, bytes) else cookie.encode()
    answer = requests.post(f"{base_url}/api/auth/refresh", timeout=10,
                           headers={"X-Arhivar-Client": "web", "Cookie": b"arhivar_refresh=" + value})
    assert answer.status_code == 401 and error_code(answer) == "not_authenticated", answer.text
