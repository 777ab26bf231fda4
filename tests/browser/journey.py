"""The pages of the journey, as a person reaches them, and the data they show: shared by the
accessibility test (axe-core on each) and `make screenshots` (bench/screenshots.py), so both
look at the same pages in the same states.

The data is real: a sandbox company synced in-process (the API tests' helper), a second company
the user registered and proved (its owner sees the security journal), and the export worker
running on a thread, as the local runtime would run it."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from playwright.sync_api import Browser, Page, expect

from chalicelib.settings import Settings
from chalicelib.topology import queue
from functions.build_export import handler as export_handler
from local.runtime import QueuePoller
from tests.api.conftest import add_proven_company, new_company
from tests.api.test_documents import Archive, sync_company

VIEWPORTS = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}


@dataclass
class Journey:
    archive: Archive  # the user and a synced company with a few pages of documents
    owned_cif: str  # a company the user registered and proved: its owner sees the security journal
    session: dict  # the browser's state after one real login (Playwright storage state)
    spare_cif: str  # a company ANAF's lookup knows and the user has not added

    def address(self, template: str) -> str:
        return template.format(cif=self.archive.cif, owned=self.owned_cif)


def prepare(browser: Browser, base_url: str, sandbox_url: str) -> Journey:
    """A signed-up user with a synced archive and an owned company, logged in once in a browser."""
    from tests.browser.conftest import log_in

    archive = sync_company(base_url, sandbox_url)
    owned = new_company(sandbox_url)
    add_proven_company(archive.user, owned, sandbox_url)
    context = browser.new_context(base_url=base_url, locale="ro-RO")
    page = context.new_page()
    log_in(page, archive.user)
    state = context.storage_state()
    context.close()
    return Journey(archive, owned, state, new_company(sandbox_url))


@contextlib.contextmanager
def export_worker(settings: Settings) -> Iterator[None]:
    """The export queue's consumer on a thread while the block runs."""
    stop = threading.Event()
    poller = QueuePoller(settings, queue("export"), export_handler.lambda_handler, wait_time_s=1)
    thread = threading.Thread(target=poller.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def settled(page: Page) -> None:
    """The page has its heading and has finished loading what it shows."""
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main [aria-busy='true']")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("Se încarcă…")
    expect(page.locator("#stare-serviciu")).not_to_have_text("Se verifică serviciul…")


def open_document_dialog(page: Page, _: Journey) -> None:
    page.locator("[data-detalii]").first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Furnizor")
    expect(dialog.locator("table.linii tbody tr").first).to_be_visible()


def finish_an_export(page: Page, _: Journey) -> None:
    page.get_by_role("button", name="Descarcă toate documentele").click()
    expect(page.get_by_role("link", name="Descarcă arhiva ZIP")).to_be_visible(timeout=30_000)


def finish_a_saga_export(page: Page, _: Journey) -> None:
    page.get_by_label("Luna sau trimestrul").select_option("T4")
    page.get_by_label("Doar ce nu a fost exportat încă").uncheck()
    page.get_by_role("button", name="Pregătește exportul").click()
    expect(page.get_by_role("link", name="Descarcă arhiva SAGA")).to_be_visible(timeout=30_000)


def ask_for_a_reset_code(page: Page, _: Journey) -> None:
    page.get_by_label("Adresa de e-mail").fill("cineva@example.com")
    page.get_by_role("button", name="Am deja un cod").click()
    expect(page.get_by_label("Codul primit pe e-mail")).to_be_visible()


def look_up_a_company(page: Page, journey: Journey) -> None:
    page.get_by_label("CIF-ul companiei").fill(f"RO {journey.spare_cif}")
    page.get_by_role("button", name="Caută la ANAF").click()
    expect(page.get_by_role("heading", name="Date găsite la ANAF")).to_be_visible()


def ask_to_disconnect(page: Page, _: Journey) -> None:
    """The confirmation dialog before disconnecting from ANAF (left open, nothing confirmed)."""
    page.get_by_role("button", name="Deconectează de la ANAF").click()
    expect(page.get_by_role("dialog").get_by_role("heading", name="Deconectați compania de la ANAF?")).to_be_visible()


def create_an_api_key(page: Page, _: Journey) -> None:
    """"Chei API" on the Integrări page: a new key, its secret shown once with the curl line."""
    page.get_by_label("Numele cheii").fill("ERP contabilitate")
    page.get_by_label(re.compile("^Citește documentele")).check()
    page.get_by_role("button", name="Creează cheia").click()
    expect(page.get_by_label("Cheia API")).to_have_value(re.compile("^arh_"))


@dataclass(frozen=True)
class Stop:
    name: str  # also the screenshot's file name
    address: str  # {cif}: the synced company, {owned}: the owned one
    action: Callable[[Page, Journey], None] | None = None  # what the person does there first
    needs_export_worker: bool = False


SIGNED_OUT = [
    Stop("prima-pagina", "/"),
    Stop("inregistrare", "/inregistrare"),
    Stop("autentificare", "/autentificare"),
    Stop("confirmare", "/confirmare?email=cineva%40example.com"),
    Stop("resetare-parola", "/resetare-parola", ask_for_a_reset_code),
    Stop("termeni", "/termeni"),
    Stop("rezultat-anaf", "/autorizare-anaf?anaf=connected&cif={cif}"),
    Stop("rezultat-anaf-eroare", "/autorizare-anaf?anaf=no_spv_rights&cif={cif}"),
    Stop("dezabonare", "/dezabonare"),
    Stop("vizualizare", "/vizualizare"),
    Stop("404", "/nu-exista"),
]
SIGNED_IN = [
    Stop("companii", "/companii"),
    Stop("companii-cautare", "/companii", look_up_a_company),
    Stop("pagina-companiei", "/companii/{cif}"),
    Stop("pagina-companiei-confirmare", "/companii/{owned}", ask_to_disconnect),
    Stop("documente", "/documente?cif={cif}"),
    Stop("documente-dialog", "/documente?cif={cif}", open_document_dialog),
    Stop("exporturi", "/documente?cif={cif}", finish_an_export, needs_export_worker=True),
    Stop("cont", "/cont"),
    Stop("notificari", "/cont/notificari"),
    Stop("jurnal", "/companii/{owned}/jurnal"),
    Stop("integritate", "/companii/{owned}/integritate"),
    Stop("integrari", "/companii/{owned}/integrari"),
    Stop("integrari-cheie-noua", "/companii/{owned}/integrari", create_an_api_key),
    Stop("termeni-autentificat", "/termeni"),
    Stop("rezultat-anaf-autentificat", "/autorizare-anaf?anaf=connected&cif={cif}"),
    Stop("404-autentificat", "/nu-exista"),
    Stop("export-contabilitate", "/companii/{cif}/contabilitate", finish_a_saga_export, needs_export_worker=True),
    Stop("mesaje-furnizori", "/companii/{owned}/mesaje-furnizori"),
]


def visit(page: Page, journey: Journey, stop: Stop) -> None:
    """Open the stop's address, wait until it has loaded, then do what the person does there."""
    page.goto(journey.address(stop.address))
    settled(page)
    if stop.action:
        stop.action(page, journey)
