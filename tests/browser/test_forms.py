"""Forms as a Romanian user expects them whatever the browser's language (issue "13 ·"): dates
typed and shown as zz.ll.aaaa, the file picker's text, and "Autorizează cu certificatul
existent" for a company the same certificate covers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.api.conftest import authorize, issue_certificate, new_company
from tests.api.test_existing_certificate import with_an_invoice
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_dates_are_typed_and_shown_as_zz_ll_aaaa_in_an_english_browser(english_page: Page, new_user, fresh_cif,
                                                                        proven_company):
    # GIVEN an owner of a proven company, in a Chromium whose language is en-US
    page = english_page
    user, cif = new_user(), fresh_cif()
    proven_company(user, cif)
    log_in(page, user)
    page.goto(f"/documente?cif={cif}")
    issued_from = page.get_by_label("Emis de la")
    expect(issued_from).to_have_attribute("placeholder", "zz.ll.aaaa")

    # WHEN they type a Romanian date and filter
    issued_from.fill("05.11.2026")
    with page.expect_request(lambda r: "/documents?" in r.url and "issued_from=" in r.url) as asked:
        page.get_by_role("button", name="Filtrează").click()

    # THEN the API and the address get the ISO date, and the field shows it back as typed
    assert "issued_from=2026-11-05" in asked.value.url
    expect(page).to_have_url(re.compile(r"issued_from=2026-11-05"))
    expect(page.get_by_label("Emis de la")).to_have_value("05.11.2026")

    # WHEN a date does not exist or is written another way, THEN a Romanian error says so
    page.get_by_label("Emis până la").fill("31.02.2026")
    page.get_by_role("button", name="Filtrează").click()
    expect(page.locator("#eroare-issued_to")).to_have_text("Data 31.02.2026 nu există.")
    expect(page.get_by_label("Emis până la")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Emis până la")).to_be_focused()
    page.get_by_label("Emis până la").fill("Nov 5, 2026")
    page.get_by_role("button", name="Filtrează").click()
    expect(page.locator("#eroare-issued_to")).to_have_text("Scrieți data ca zz.ll.aaaa, de exemplu 05.11.2026.")

    # WHEN they pick a date from the calendar with the keyboard alone
    page.get_by_label("Emis până la").fill("")
    page.get_by_label("Emis de la").focus()
    page.keyboard.press("Tab")  # the calendar button of "Emis de la"
    expect(page.get_by_role("button", name="Alegeți din calendar: Emis de la")).to_be_focused()
    page.keyboard.press("Enter")
    calendar = page.get_by_role("dialog", name="Calendar: Emis de la")
    expect(calendar.get_by_role("heading")).to_have_text("noiembrie 2026")
    expect(calendar.get_by_role("button", name="joi, 5 noiembrie 2026")).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    expect(calendar.get_by_role("button", name="vineri, 13 noiembrie 2026")).to_be_focused()
    page.keyboard.press("PageDown")
    expect(calendar.get_by_role("heading")).to_have_text("decembrie 2026")
    page.keyboard.press("Enter")

    # THEN the field holds it in Romanian order and the focus is back in the field
    expect(calendar).to_have_count(0)
    expect(page.get_by_label("Emis de la")).to_have_value("13.12.2026")
    expect(page.get_by_label("Emis de la")).to_be_focused()
    # AND Escape closes the calendar without changing anything
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="Calendar: Emis de la")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Calendar: Emis de la")).to_have_count(0)
    expect(page.get_by_label("Emis de la")).to_have_value("13.12.2026")


def test_the_file_picker_speaks_romanian_in_an_english_browser(english_page: Page, new_user, fresh_cif,
                                                              proven_company, tmp_path):
    # GIVEN an owner on the company page, in a Chromium whose language is en-US
    page = english_page
    user, cif = new_user(), fresh_cif()
    proven_company(user, cif)
    log_in(page, user, start=f"/autentificare?inapoi=/companii/{cif}")
    picker = page.locator(".import-spv")

    # THEN the picker says "Alegeți fișierul" and "Niciun fișier ales", never the browser's English
    expect(picker.get_by_text("Alegeți fișierul", exact=True)).to_be_visible()
    expect(picker.locator("#nume-fisier-import")).to_have_text("Niciun fișier ales")
    expect(picker).not_to_contain_text("Choose file")
    expect(picker).not_to_contain_text("No file chosen")
    # AND the native input is visually hidden but reachable with the keyboard
    field = page.get_by_label("Arhiva ZIP din SPV")
    box = field.bounding_box()
    assert box is not None and box["width"] <= 1 and box["height"] <= 1
    field.focus()
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-describedby", re.compile(r"nume-fisier-import"))

    # WHEN a file is chosen THEN its name is shown
    chosen = tmp_path / "arhiva-spv-noiembrie.zip"
    chosen.write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    field.set_input_files(chosen)
    expect(picker.locator("#nume-fisier-import")).to_have_text("arhiva-spv-noiembrie.zip")


def test_a_company_the_same_certificate_covers_is_authorized_with_one_click(page: Page, new_user, sandbox_url):
    # GIVEN an owner who authorized X with their own certificate, which covers Y too, and added Y
    x, y, other = new_company(sandbox_url), new_company(sandbox_url), new_company(sandbox_url)
    serial = issue_certificate(sandbox_url, [x, y], f"Titular {x}")
    with_an_invoice(sandbox_url, x)
    user = new_user()
    assert user.call("POST", "/companies", json={"cif": x}).status_code == 201
    assert authorize(user, x, serial)["anaf"] == "connected"
    for cif in (y, other):
        assert user.call("POST", "/companies", json={"cif": cif}).status_code == 201
    log_in(page, user)

    # THEN Y, and only Y, is offered the existing certificate
    row = page.locator(f'tr[data-cif="{y}"]')
    one_click = row.get_by_role("button", name=re.compile("^Autorizează cu certificatul existent"))
    expect(one_click).to_be_visible()
    expect(page.locator(f'tr[data-cif="{other}"]').get_by_role(
        "button", name=re.compile("certificatul existent"))).to_have_count(0)
    expect(page.locator(f'tr[data-cif="{x}"]').get_by_role(
        "button", name=re.compile("certificatul existent"))).to_have_count(0)

    # WHEN they click it THEN ANAF confirms and Y is authorized, without the ANAF page
    one_click.click()
    expect(page.locator("#mesaj-companii")).to_contain_text(re.compile(
        rf"\(CIF {y}\) a fost autorizată la ANAF până la \d{{2}}\.\d{{2}}\.\d{{4}}\."))
    expect(row.locator(".insigna")).to_have_text(re.compile(r"^autorizat până la"))
    expect(row.get_by_role("button", name=re.compile("certificatul existent"))).to_have_count(0)
    expect(page.locator(f'tr[data-cif="{other}"]').locator(".insigna")).to_have_text("neverificată")
    company = user.call("GET", f"/companies/{y}").json()["company"]
    assert company["membership_state"] == "active" and company["authorization"]["state"] == "authorized"
