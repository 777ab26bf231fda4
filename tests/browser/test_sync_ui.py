"""The archive engine in the browser: "Sincronizează acum", the sync history, "Importă arhive SPV"
and what viewers see. Companies come from Ionescu's certificate (test_anaf.py uses Popescu's);
they are authorized through the API helper (the browser step has its own tests in test_anaf.py).

The test stack has no background runtime, so after "Sincronizează acum" the test runs the sync
worker's use case in-process, as the queue's consumer would, and reloads."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from chalicelib import dependencies
from chalicelib.services import imports
from chalicelib.storage.models import CompanyModel
from chalicelib.topology import queue
from functions.import_archive import handler as import_handler
from local.runtime import QueuePoller
from tests.api.conftest import authorize
from tests.api.importing import drain_imports
from tests.api.proven import invite_and_accept
from tests.browser.conftest import log_in
from tests.browser.waiting import requests_settled, wait_until

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def ionescu(sandbox_url) -> dict:
    world = requests.get(f"{sandbox_url}/__sandbox/world", timeout=10).json()
    return next(c for c in world["certificates"] if c["holder"].startswith("Ionescu"))


def authorized_company(user, cif: str, certificate: dict) -> None:
    """The user's company, authorized at ANAF with the certificate (an active membership even
    when another test's account registered the company first)."""
    answer = user.call("POST", "/companies", json={"cif": cif})
    assert answer.status_code in (201, 409), answer.text
    assert authorize(user, cif, certificate["serial"])["anaf"] in ("connected", "proven")


def row(page: Page, cif: str):
    return page.locator(f'tr[data-cif="{cif}"]')


def anaf_zip(sandbox_url: str, cif: str, message_id: str) -> bytes:
    """The ZIP ANAF serves for a message, downloaded with the company's own ANAF token (what a
    person downloads by hand from SPV)."""
    credential_id = CompanyModel.get(cif, consistent_read=True).credential_id
    token = dependencies.credential_vault().access_token(credential_id)
    answer = requests.get(f"{sandbox_url}/prod/FCTEL/rest/descarcare", params={"id": message_id},
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.headers["Content-Type"].startswith("application/zip"), answer.text[:200]
    return answer.content


def new_invoice_at_anaf(sandbox_url: str, cif: str) -> str:
    """A new invoice received by the company, at ANAF only (not synced): its message id."""
    answer = requests.post(f"{sandbox_url}/__sandbox/invoices",
                           json={"kind": "invoice", "buyer_cif": cif, "count": 1}, timeout=30)
    answer.raise_for_status()
    messages = answer.json()["created"][0]["messages"]
    return next(m["id"] for m in messages if m["cif"] == cif)


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def upload(page: Page, name: str, content: bytes, mime: str = "application/zip") -> None:
    page.get_by_label("Arhiva ZIP din SPV").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": content}])
    page.get_by_role("button", name="Importă", exact=True).click()


def import_through_the_page(page: Page, name: str, content: bytes) -> None:
    """Upload from the browser (to moto's S3, the presigned POST), see the job queued, then run
    the import worker as the event source mapping would; the page follows the job by itself."""
    upload(page, name, content)
    expect(page.locator("#stare-import")).to_have_attribute("data-stare", "queued")
    drain_imports()


def test_sync_now_then_the_history_shows_the_run_and_a_viewer_sees_it_without_actions(
        page: Page, new_page, new_user, ionescu):
    cif = ionescu["cifs"][0]
    owner, viewer = new_user(), new_user()
    authorized_company(owner, cif, ionescu)
    log_in(page, owner, start=f"/autentificare?inapoi=/companii/{cif}")
    expect(page.get_by_role("heading", name="Istoric sincronizări")).to_be_visible()
    expect(page.locator("#istoric-sincronizari")).not_to_have_attribute("aria-busy", "true")
    before = page.locator("table.sincronizari tbody tr").count()  # earlier runs of other tests

    # WHEN the owner clicks "Sincronizează acum", THEN the button shows progress and the start is confirmed
    release = []
    def hold(route):  # Playwright wraps handlers by attribute: a plain function, not list.append
        release.append(route)

    page.route("**/api/companies/*/sync", hold)
    page.get_by_role("button", name="Sincronizează acum").click()
    busy = page.locator("#sincronizeaza")
    expect(busy).to_have_text("Se pornește sincronizarea…")
    expect(busy).to_be_disabled()
    wait_until(page, lambda: release, "the sync request")  # the page reads the history first, then asks
    release[0].continue_()
    page.unroute("**/api/companies/*/sync")
    expect(page.locator("#mesaj-anaf")).to_contain_text("Sincronizarea a pornit.")
    expect(busy).to_have_text("Sincronizează acum")

    # AND the queue's consumer runs it (in-process here), THEN the history shows the run
    dependencies.company_sync(lambda: 900.0).run(cif, "manual")
    page.reload()
    runs = page.locator("table.sincronizari tbody tr")
    expect(runs).to_have_count(before + 1)
    newest = runs.first
    expect(newest.locator('td[data-eticheta="Motiv"]')).to_have_text("manuală")
    expect(newest.locator('td[data-eticheta="Rezultat"]')).to_have_text("completă")
    expect(newest.locator('td[data-eticheta="Interval verificat"]')).to_contain_text(
        re.compile(r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}"))
    for column in ("Listate", "Noi", "Deja arhivate", "Eșuate", "Pierdute", "Apeluri ANAF"):
        expect(newest.locator(f'td[data-eticheta="{column}"]')).to_have_text(re.compile(r"^[\d.]+$"))
    assert int(newest.locator('td[data-eticheta="Apeluri ANAF"]').inner_text().replace(".", "")) > 0
    # The archive's "complete until" moved with the run, in Romania time.
    expect(page.locator("#completa-pana")).to_contain_text(re.compile(r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}"))
    expect(page.locator("#arhiva-in-risc")).to_have_count(0)

    # WHEN they ask again from the dashboard within the minute, THEN they are asked to wait
    page.get_by_role("link", name="← Companii").click()
    row(page, cif).get_by_role("button", name=re.compile("^Sincronizează acum")).click()
    expect(page.locator("#mesaj-companii")).to_contain_text("Așteptați un minut")

    # GIVEN a viewer of the company, THEN they see the state and the history but no action
    invite_and_accept(owner, viewer, cif, "viewer")
    other = new_page()
    log_in(other, viewer)
    expect(row(other, cif).locator(".insigna")).to_have_text(re.compile(r"^autorizat până la"))
    expect(row(other, cif).locator("td.actiuni button")).to_have_count(0)
    row(other, cif).get_by_role("link", name="Detalii").click()
    expect(other.locator("table.sincronizari tbody tr")).to_have_count(before + 1)
    expect(other.locator("#stare-arhivare")).to_contain_text("Arhivă completă până la")
    expect(other.locator("#actiuni-companie button")).to_have_count(0)
    expect(other.get_by_role("heading", name="Importă arhive SPV")).to_have_count(0)
    for name in ("Autorizează", "Reautorizează", "Sincronizează acum", "Trimite link de autorizare",
                 "Deconectează de la ANAF"):
        expect(other.get_by_role("button", name=name, exact=True)).to_have_count(0)


def test_importing_spv_zips_archives_new_ones_and_reports_duplicates(page: Page, new_user, ionescu, sandbox_url):
    cif = ionescu["cifs"][1]
    owner = new_user()
    authorized_company(owner, cif, ionescu)
    message_id = new_invoice_at_anaf(sandbox_url, cif)
    original = anaf_zip(sandbox_url, cif, message_id)
    log_in(page, owner, start=f"/autentificare?inapoi=/companii/{cif}")
    section = page.locator("section.import-spv")
    expect(section).to_contain_text("cel mult 200 MB")
    result = page.locator("#rezultat-import")

    # WHEN they upload a ZIP of SPV ZIPs (one real, one that is not ANAF's)
    import_through_the_page(page, "arhive-spv.zip", zip_of({
        f"{message_id}.zip": original, "altceva/poza.zip": zip_of({"poza.txt": b"nu e factura"})}))

    # THEN the page follows the job to its end: the real one is archived and the other
    # rejected with its reason, each under its real name in the upload
    expect(result.locator("#stare-import")).to_have_attribute("data-stare", "done")
    expect(result.locator("#stare-import")).to_contain_text("„arhive-spv.zip”: Import încheiat.")
    expect(result.locator("#sumar-import")).to_contain_text("Arhivate: 1 · Duplicate: 0 · Respinse: 1")
    archived = result.locator("tr", has_text=f"{message_id}.zip")
    expect(archived.locator('td[data-eticheta="Rezultat"]')).to_have_text("arhivat")
    expect(archived).to_contain_text("factură primită")
    rejected = result.locator("tr", has_text="poza.zip")
    expect(rejected.locator('td[data-eticheta="Fișier"]')).to_have_text("altceva/poza.zip")
    expect(rejected.locator('td[data-eticheta="Rezultat"]')).to_have_text("respins")
    expect(rejected.locator('td[data-eticheta="Detalii"]')).to_have_text("Arhiva descărcată de la ANAF nu este validă.")

    # WHEN they upload the same SPV ZIP again on its own, THEN it is a duplicate, not archived twice
    import_through_the_page(page, f"{message_id}.zip", original)
    expect(result.locator("#sumar-import")).to_contain_text("Arhivate: 0 · Duplicate: 1 · Respinse: 0")
    expect(result.locator("tbody tr").first.locator('td[data-eticheta="Rezultat"]')).to_have_text("duplicat")
    expect(result).to_contain_text("era deja în arhivă")


def test_the_import_shows_its_progress_while_the_worker_runs(page: Page, new_user, ionescu, sandbox_url,
                                                             monkeypatch):
    # GIVEN an owner with two invoices downloaded by hand, and an import worker that stops after
    # every ZIP (as one near its time limit does) and is run one invocation at a time
    cif = ionescu["cifs"][1]
    owner = new_user()
    authorized_company(owner, cif, ionescu)
    ids = [new_invoice_at_anaf(sandbox_url, cif) for _ in range(2)]
    monkeypatch.setattr(imports, "TIME_MARGIN_MS", 10**9)
    poller = QueuePoller(dependencies.settings(), queue("import"), import_handler.lambda_handler, wait_time_s=0)
    log_in(page, owner, start=f"/autentificare?inapoi=/companii/{cif}")
    upload(page, "doua.zip", zip_of({f"{i}.zip": anaf_zip(sandbox_url, cif, i) for i in ids}))
    state = page.locator("#stare-import")
    expect(state).to_have_attribute("data-stare", "queued")
    # WHEN the worker has archived the first ZIP THEN the page shows it running, 1 of 2, by itself
    assert poller.poll_once().received == 1
    expect(state).to_have_attribute("data-stare", "running")
    expect(page.locator("label[for=progres-import]")).to_contain_text("Se importă… — 1 din 2 fișiere")
    expect(page.locator("#progres-import")).to_have_attribute("value", "1")
    expect(page.locator("#rezultat-import tbody tr")).to_have_count(1)
    # WHEN the re-queued job finishes THEN the page shows the end and both files
    assert poller.poll_once().received == 1
    expect(state).to_have_attribute("data-stare", "done")
    expect(page.locator("#progres-import")).to_have_count(0)
    expect(page.locator("#sumar-import")).to_contain_text("Arhivate: 2 · Duplicate: 0 · Respinse: 0")
    expect(page.locator("#rezultat-import tbody tr")).to_have_count(2)


def test_the_import_checks_the_file_before_sending_it(page: Page, new_user, ionescu, tmp_path):
    cif = ionescu["cifs"][1]
    owner = new_user()
    authorized_company(owner, cif, ionescu)
    sent = []
    page.on("request", lambda r: "/imports" in r.url and sent.append(r.url))
    log_in(page, owner, start=f"/autentificare?inapoi=/companii/{cif}")
    errors = page.locator("#eroare-import")

    page.get_by_role("button", name="Importă", exact=True).click()
    expect(errors).to_have_text("Alegeți arhiva ZIP descărcată din SPV.")
    upload(page, "factura.pdf", b"%PDF-1.4", mime="application/pdf")
    expect(errors).to_contain_text("nu este o arhivă ZIP")
    big = tmp_path / "mare.zip"  # sparse: 200 MB and a byte, without writing them
    with big.open("wb") as sparse:
        sparse.truncate(200 * 1024 * 1024 + 1)
    page.get_by_label("Arhiva ZIP din SPV").set_input_files(big)
    page.get_by_role("button", name="Importă", exact=True).click()
    expect(errors).to_contain_text("limita este 200 MB")
    expect(page.get_by_label("Arhiva ZIP din SPV")).to_have_attribute("aria-invalid", "true")
    requests_settled(page)
    assert sent == []

    # A file that is not a ZIP inside ends as a failed job, with the worker's explanation.
    import_through_the_page(page, "stricat.zip", b"nu e zip")
    expect(page.locator("#stare-import")).to_have_attribute("data-stare", "failed")
    expect(page.locator("#eroare-job-import")).to_have_text("Fișierul nu este o arhivă ZIP descărcată din SPV.")


def stub_company(cif: str, state: str, label: str, *, role: str = "owner", **extra) -> dict:
    return {"cif": cif, "name": f"FIRMA {state.upper()} SRL", "role": role, "membership_state": "active",
            "public": {"cif": cif, "name": f"FIRMA {state.upper()} SRL", "address": "JUD. CLUJ",
                       "registration_number": "J12/1/2020", "registration_status": "", "vat_payer": True,
                       "efactura_registered": True, "inactive": False, "radiated": False},
            "authorization": {"state": state, "until": "2026-12-05T10:00:00Z", "label": label},
            "licence": {"code": "free", "name": "Gratuit"},
            "last_sync": {"at": "2026-07-01T10:05:00Z", "result": "partial"}, "document_count": 3,
            "data_refreshed_at": None,
            "archive": {"complete_until": "2026-07-01T21:30:00Z", "at_risk": False}, **extra}


def json_answer(payload):
    return lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(payload))


def test_the_actions_follow_the_authorization_state_and_the_role(shared_page: Page):
    """Stubbed API answers: which row offers what, for every state and for a viewer."""
    companies = [
        stub_company("10", "authorized", "autorizat până la 30.03.2027"),
        stub_company("11", "expiring", "expiră curând (05.12.2026)"),
        stub_company("12", "expired", "expirat"),
        stub_company("13", "revoked", "revocat"),
        stub_company("14", "no_spv_rights", "fără drept SPV"),
        stub_company("15", "unauthorized", "neautorizat"),
        stub_company("16", "authorized", "autorizat până la 30.03.2027", role="viewer"),
    ]
    shared_page.route("**/api/companies", json_answer({"companies": companies}))
    shared_page.goto("/companii")
    expected = {"10": ["Sincronizează acum"], "11": ["Reautorizează", "Sincronizează acum"],
                "12": ["Reautorizează"], "13": ["Reautorizează"], "14": ["Reautorizează"],
                "15": ["Autorizează"], "16": []}
    for cif, buttons in expected.items():
        shown = row(shared_page, cif).locator("td.actiuni button")
        expect(shown).to_have_count(len(buttons))
        for i, name in enumerate(buttons):
            expect(shown.nth(i)).to_contain_text(name)
    expect(row(shared_page, "11").locator('td[data-eticheta="Ultima sincronizare"]')).to_contain_text("parțială")


def test_the_company_page_warns_when_the_archive_is_at_risk_and_names_every_result(shared_page: Page):
    company = stub_company("17", "expiring", "expiră curând (05.12.2026)",
                           archive={"complete_until": "2026-07-01T21:30:00Z", "at_risk": True})
    results = ["complete", "partial", "anaf_unavailable", "daily_limit", "budget_exhausted", "expired",
               "no_spv_rights", "not_authorized", "error"]
    runs = [{"started_at": f"2026-07-{i + 1:02d}T08:00:00Z", "finished_at": None,
             "reason": "schedule", "result": result,
             "window": {"start": "2026-05-01T00:00:00Z", "end": "2026-07-01T00:00:00Z"},
             "anaf_calls": 1200, "listed": 10, "new": 2, "already_archived": 7, "failed": 1, "lost": 0,
             "bytes": 1000, "errors": {"<b>anaf_unavailable</b>": 3} if i == 0 else {}}
            for i, result in enumerate(results)]
    shared_page.route("**/api/companies/17", json_answer({"company": company}))
    shared_page.route("**/api/companies/17/sync-runs", json_answer({"runs": runs}))
    shared_page.route("**/api/companies/17/members", json_answer({"members": []}))
    shared_page.goto("/companii/17")

    warning = shared_page.locator("#arhiva-in-risc")
    expect(warning).to_contain_text("02.07.2026 00:30")  # Romania time (UTC+3 in July)
    expect(warning).to_contain_text("ANAF șterge fișierele din SPV după 60 de zile")
    expect(shared_page.locator("#completa-pana")).to_contain_text("02.07.2026 00:30")
    expect(shared_page.locator("#autorizare-anaf")).to_have_text("expiră curând (05.12.2026)")
    expect(shared_page.get_by_role("button", name="Reautorizează")).to_be_visible()
    expect(shared_page.get_by_role("button", name="Sincronizează acum")).to_be_visible()
    table = shared_page.locator("table.sincronizari tbody tr")
    expect(table).to_have_count(len(results))
    names = ["completă", "parțială", "ANAF indisponibil", "limita zilnică ANAF atinsă",
             "limită de apeluri atinsă", "autorizare expirată", "fără drept SPV", "neautorizată", "eroare"]
    for i, name in enumerate(names):
        expect(table.nth(i).locator('td[data-eticheta="Rezultat"]')).to_have_text(name)
        expect(table.nth(i).locator('td[data-eticheta="Motiv"]')).to_have_text("programată")
    expect(table.first.locator('td[data-eticheta="Apeluri ANAF"]')).to_have_text(re.compile(r"^1.?200$"))
    expect(table.first.locator('td[data-eticheta="Erori"]')).to_contain_text("altă eroare (<b>anaf_unavailable</b>): 3")
    assert shared_page.locator("table.sincronizari b").count() == 0


def _recorded_error_kinds() -> set[str]:
    """Every error kind services/sync.py can record in a run (see RunStats.error's callers)."""
    from chalicelib.anaf import errors as anaf_errors
    from chalicelib.services import budget, credentials

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    root = Path(__file__).resolve().parents[2] / "chalicelib"
    kinds = {cls.code for cls in [anaf_errors.AnafError, *subclasses(anaf_errors.AnafError)]}
    kinds |= {cls.__name__ for cls in [anaf_errors.AnafAuthError, *subclasses(anaf_errors.AnafAuthError),
                                       credentials.CredentialMissing, credentials.CredentialInvalid]}
    kinds |= set(re.findall(r'BudgetExhausted\("(\w+)"', Path(budget.__file__).read_text()))
    kinds |= {f"zip_{reason}" for reason in re.findall(r'InvalidAnafZip\(\s*"(\w+)"',
                                                         (root / "invoices" / "anaf_zip.py").read_text())}
    kinds |= {"daily_limit", "message_expired"}
    return kinds


def test_the_sync_history_names_every_error_kind_in_romanian_and_says_when_messages_were_lost(shared_page: Page):
    # GIVEN runs that recorded every error kind the sync knows, and a complete run that lost a message
    kinds = sorted(_recorded_error_kinds())
    assert len(kinds) > 30 and "message_expired" in kinds and "zip_zip_bomb" in kinds
    company = stub_company("18", "authorized", "autorizat până la 02.12.2027")
    base = {"reason": "schedule", "window": {"start": "2026-05-01T00:00:00Z", "end": "2026-07-01T00:00:00Z"},
            "anaf_calls": 3, "listed": 3, "new": 2, "already_archived": 0, "failed": 0, "bytes": 10}
    runs = [{**base, "started_at": "2026-07-02T08:00:00Z", "result": "complete", "lost": 1,
             "errors": {"message_expired": 1}},
            {**base, "started_at": "2026-07-01T08:00:00Z", "result": "complete", "lost": 0, "errors": {}},
            {**base, "started_at": "2026-06-30T08:00:00Z", "result": "partial", "lost": 0,
             "errors": dict.fromkeys(kinds, 1)}]
    shared_page.route("**/api/companies/18", json_answer({"company": company}))
    shared_page.route("**/api/companies/18/sync-runs", json_answer({"runs": runs}))
    shared_page.route("**/api/companies/18/members", json_answer({"members": []}))
    shared_page.goto("/companii/18")
    rows = shared_page.locator("table.sincronizari tbody tr")
    expect(rows).to_have_count(3)
    # THEN the run that lost a message does not read "completă", and says what was lost
    expect(rows.nth(0).locator('td[data-eticheta="Rezultat"]')).to_have_text("completă, cu pierderi")
    expect(rows.nth(0).locator(".rezultat")).not_to_have_class(re.compile("rezultat-bun"))
    expect(rows.nth(0).locator('td[data-eticheta="Erori"]')).to_have_text(
        "pierdute: mesaje șterse din SPV (după 60 de zile): 1")
    expect(rows.nth(1).locator('td[data-eticheta="Rezultat"]')).to_have_text("completă")
    # AND every error kind has a Romanian label: no code, no English class name, no "altă eroare"
    labels = rows.nth(2).locator(".erori-tip li")
    expect(labels).to_have_count(len(kinds))
    for text in labels.all_inner_texts():
        assert not re.search(r"[a-z]_[a-z]|[a-z][A-Z]|altă eroare", text), text


def test_the_company_page_says_the_authorization_end_date_once_and_links_the_licence_settings(shared_page: Page):
    # GIVEN an authorized company
    company = stub_company("19", "authorized", "autorizat până la 02.12.2027")
    shared_page.route("**/api/companies/19", json_answer({"company": company}))
    shared_page.route("**/api/companies/19/sync-runs", json_answer({"runs": []}))
    shared_page.route("**/api/companies/19/members", json_answer({"members": []}))
    shared_page.goto("/companii/19")
    # THEN the end date is said once ("autorizat până la 02.12.2027", no "valabilă până la" after it)
    expect(shared_page.locator("#autorizare-anaf")).to_have_text("autorizat până la 02.12.2027")
    assert shared_page.locator("#continut").inner_text().count("02.12.2027") == 1
    # AND the licence and e-mail settings are one click away
    shared_page.get_by_role("link", name="licența și notificările prin e-mail").click()
    expect(shared_page).to_have_url(re.compile(r"/cont/notificari$"))
    expect(shared_page.get_by_role("heading", level=1)).to_have_text("Notificări prin e-mail")


def test_the_account_page_leads_to_the_notification_and_licence_settings(shared_page: Page):
    shared_page.goto("/cont")
    shared_page.get_by_role("link", name="Notificări și licențe").click()
    expect(shared_page).to_have_url(re.compile(r"/cont/notificari$"))
    expect(shared_page.get_by_role("heading", level=1)).to_have_text("Notificări prin e-mail")
    expect(shared_page.get_by_role("navigation", name="Navigare principală").get_by_role(
        "link", name="Contul meu")).to_have_attribute("aria-current", "page")
