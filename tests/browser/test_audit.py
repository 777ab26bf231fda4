"""The security journal in the browser ("Jurnal de securitate"): an owner proves a company at the
sandbox's ANAF page, invites a colleague and changes the licence, then reads those events in
order and downloads them as CSV; a viewer is not offered the journal and is told it is for owners."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from tests.api.conftest import issue_certificate
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def prove_at_anaf(page: Page, sandbox_url: str, cif: str, holder: str) -> None:
    """The dashboard row's "Autorizează", the explanation, and the holder's certificate at ANAF."""
    page.locator(f'tr[data-cif="{cif}"]').get_by_role("button", name=re.compile("^Autorizează")).click()
    page.get_by_role("dialog").get_by_role("button", name="Continuă la ANAF").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(sandbox_url)}/anaf-oauth2/v1/authorize\?"))
    page.get_by_role("radio", name=re.compile(rf"^{re.escape(holder)}")).check()
    page.get_by_label("PIN", exact=True).fill("1234")
    page.get_by_role("button", name="Autentificare").click()
    expect(page).to_have_url(re.compile(r"/companii$"))
    expect(page.locator(f'tr[data-cif="{cif}"] .insigna')).to_have_text(re.compile("^autorizat până la"))


def test_an_owner_reads_the_journal_in_order_and_downloads_it(page: Page, new_page, new_user, fresh_cif,
                                                                 sandbox_url):
    # GIVEN an owner who registered a CIF (pending) and holds a certificate with SPV rights on it
    owner, colleague = new_user(), new_user()
    cif = fresh_cif()
    assert owner.call("POST", "/companies", json={"cif": cif}).status_code == 201
    holder = f"Titular Jurnal {cif}"
    issue_certificate(sandbox_url, [cif], holder=holder)
    log_in(page, owner)

    # WHEN they prove the company at ANAF, invite a colleague and move the company to Pro
    prove_at_anaf(page, sandbox_url, cif, holder)
    page.goto(f"/companii/{cif}")
    page.get_by_label("Adresa de e-mail").fill(colleague.email)
    page.get_by_label("Rol", exact=True).select_option("viewer")
    page.get_by_role("button", name="Trimite invitația").click()
    expect(page.locator("#mesaj-membri")).to_contain_text(f"Am trimis invitația la {colleague.email}")
    page.goto("/cont/notificari")
    page.locator(f'form.schimba-licenta[data-cif="{cif}"] select').select_option("pro")
    page.locator(f'form.schimba-licenta[data-cif="{cif}"] button').click()
    page.get_by_role("dialog").get_by_role("button", name="Schimbă în Pro").click()
    expect(page.locator("#mesaj-notificari")).to_contain_text("Licența este acum Pro")

    # AND open "Jurnal de securitate" from the company page
    page.goto(f"/companii/{cif}")
    company_pages = page.get_by_role("navigation", name="Paginile companiei").get_by_role("link")
    expect(company_pages).to_have_text(["Integritatea arhivei", "Export pentru contabilitate",
                                        "Mesaje către furnizori", "Integrări", "Jurnal de securitate"])
    page.get_by_role("link", name="Jurnal de securitate").click()
    expect(page).to_have_url(re.compile(rf"/companii/{cif}/jurnal$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Jurnal de securitate")

    # THEN the events are there, newest first, with Romanian labels, who and the details
    rows = page.locator("#jurnal tbody tr")
    expect(rows).to_have_count(5)
    expected = [
        ("licence_changed", "Licență schimbată", "licență: Gratuit → Pro"),
        ("member_added", "Membru adăugat", f"persoana: {colleague.email}; rol: vizualizare"),
        ("authorization_completed", "Autorizare ANAF încheiată", "rezultat: reușită"),
        ("membership_proven", "Acces dovedit prin autorizare ANAF", "rol: proprietar"),
        ("authorization_started", "Autorizare ANAF începută", "—"),
    ]
    for index, (event, label, details) in enumerate(expected):
        row = rows.nth(index)
        expect(row).to_have_attribute("data-eveniment", event)
        expect(row.locator('td[data-eticheta="Ce"]')).to_have_text(label)
        expect(row.locator('td[data-eticheta="Detalii"]')).to_contain_text(details)
        expect(row.locator('td[data-eticheta="Cine"]')).to_contain_text(owner.email)
        expect(row.locator('td[data-eticheta="Data și ora"]')).to_have_text(
            re.compile(r"^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}$"))
    expect(page.get_by_role("button", name="Pagina următoare ›")).to_be_disabled()

    # WHEN they download the CSV, THEN it holds the same events under Romanian headers
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Descarcă CSV").click()
    download = download_info.value
    assert re.fullmatch(rf"Arhivar_jurnal_securitate_{cif}_\d{{4}}-\d{{2}}-\d{{2}}_\d{{4}}\.csv",
                        download.suggested_filename)
    content = download.path().read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert table[0][:4] == ["Data și ora (ora României)", "Cine", "ID utilizator", "Ce"]
    assert [line[3] for line in table[1:]] == [label for _, label, _ in expected]
    assert {line[1] for line in table[1:]} == {owner.email}

    # AND the colleague (a viewer, once they accept) is not offered the journal; its address tells
    # them it is for owners
    assert colleague.call("POST", f"/invitations/{cif}/accept").status_code == 200
    other = new_page()
    log_in(other, colleague)
    other.goto(f"/companii/{cif}")
    expect(other.get_by_role("heading", level=1)).to_be_visible()
    expect(other.locator("#link-jurnal")).to_have_count(0)
    expect(other.get_by_role("navigation", name="Paginile companiei").get_by_role("link")).to_have_count(4)
    other.goto(f"/companii/{cif}/jurnal")
    expect(other.locator("#mesaj-jurnal")).to_have_text("Doar proprietarii companiei pot vedea jurnalul de securitate.")
    expect(other.locator("#jurnal tbody tr")).to_have_count(0)
