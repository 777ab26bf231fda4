"""Answering a supplier through ANAF: "Trimite mesaj furnizorului" on a received invoice.

Sending uploads a RASP file (domain/buyer_messages.py) with the company's own ANAF
authorization and records ANAF's answer; following asks `stareMesaj` until ANAF answers
(ok → accepted; nok or "XML cu erori nepreluat de sistem" → refused, in ANAF's words). The
sync run follows a company's pending messages on every run, and a member can ask once more at
once ("Verifică starea"); each call spends the shared ANAF budget first. ANAF's own message
then appears in the company's SPV list and the normal sync archives it (Documents).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aws_lambda_powertools import Logger

from chalicelib.anaf import errors as anaf
from chalicelib.anaf.efactura import EFacturaClient
from chalicelib.anaf.models import MessageState, UploadStandard
from chalicelib.domain import buyer_messages as domain
from chalicelib.domain.buyer_messages import State
from chalicelib.domain.errors import Conflict, NotAllowed, NotFound, ServiceUnavailable
from chalicelib.domain.memberships import Role, can_administer
from chalicelib.invoices.anaf_documents import parse_error_message
from chalicelib.invoices.anaf_zip import open_anaf_zip
from chalicelib.invoices.errors import InvoiceLayerError
from chalicelib.services import documents
from chalicelib.services.budget import BudgetExhausted, CallBudget
from chalicelib.services.credentials import CredentialInvalid, CredentialMissing, CredentialVault
from chalicelib.storage import buyer_messages as records
from chalicelib.storage import companies
from chalicelib.storage.buyer_messages import BuyerMessage
from chalicelib.storage.document_queries import DocumentIndex
from chalicelib.storage.memberships import Membership

logger = Logger(service="arhivar-buyer-messages", child=True)

EfacturaFactory = Callable[[Callable[[], str]], EFacturaClient]
# ANAF's refusals of the file itself (recorded, shown in ANAF's words); other failures mean ANAF
# could not be asked, and nothing was sent.
_REFUSALS = (anaf.AnafUploadRejected, anaf.AnafDailyLimitReached, anaf.AnafRejected, anaf.AnafInvalidRequest)


class NotAReceivedInvoice(Conflict):
    code = "not_a_received_invoice"
    message_ro = "Mesajele către furnizor se trimit doar despre facturi primite prin SPV."


class NotAuthorizedAtAnaf(Conflict):
    code = "not_authorized_at_anaf"
    message_ro = "Compania nu este autorizată la ANAF (sau autorizarea a expirat). Autorizați-o din nou."


class AnafNotReachable(ServiceUnavailable):
    code = "anaf_unavailable"
    message_ro = "ANAF nu răspunde acum. Mesajul nu a fost trimis; încercați din nou în câteva minute."
    retry_after_s = 60


class AnafBudgetSpent(ServiceUnavailable):
    code = "anaf_budget_exhausted"
    message_ro = "Limita de apeluri către ANAF este atinsă pentru moment. Încercați din nou mai târziu."
    retry_after_s = 60


class BuyerMessageNotFound(NotFound):
    code = "buyer_message_not_found"
    message_ro = "Mesajul nu există."


class BuyerMessages:
    def __init__(self, *, vault: CredentialVault, efactura: EfacturaFactory, budget: CallBudget,
                 documents: DocumentIndex, clock: Callable[[], datetime]) -> None:
        self._vault = vault
        self._documents = documents
        self._efactura = efactura
        self._budget = budget
        self._now = clock

    def send(self, membership: Membership, document_id: str, text: str) -> BuyerMessage:
        """Upload the message about a received invoice of the member's company (404 for another
        company's document)."""
        document = documents.find(self._documents, membership.cif, document_id)
        if not can_administer(Role(membership.role)):
            raise NotAllowed("Doar proprietarii și administratorii pot trimite mesaje furnizorilor.")
        if document.kind != "received" or not (document.upload_index or "").isdigit():
            raise NotAReceivedInvoice()
        cleaned = domain.clean_text(text)
        cif = membership.cif
        xml = domain.rasp_xml(document.upload_index or "", cleaned)
        client = self._client(cif)

        def record(state: State, upload_index: str | None, anaf_error: str | None = None) -> BuyerMessage:
            return records.create(
                cif, document_id=document.message_id, invoice_upload_index=document.upload_index or "",
                invoice_number=document.number, partner_name=document.partner_name,
                partner_cif=document.partner_cif, text=cleaned, sent_by=membership.user_id, now=self._now(),
                state=state, upload_index=upload_index, anaf_error=anaf_error)

        try:
            self._budget.spend_call()
            receipt = client.upload(xml, cif, UploadStandard.BUYER_MESSAGE)
        except BudgetExhausted:
            raise AnafBudgetSpent() from None
        except _REFUSALS as refusal:
            index = refusal.upload_index if isinstance(refusal, anaf.AnafUploadRejected) else None
            return record(State.REFUSED, index, refusal.message or refusal.code)
        except (anaf.AnafAuthError, CredentialMissing, CredentialInvalid):
            raise NotAuthorizedAtAnaf() from None
        except anaf.AnafError:
            raise AnafNotReachable() from None
        return record(State.SENT, receipt.upload_index)

    def check_now(self, membership: Membership, message_id: str) -> BuyerMessage:
        """"Verifică starea": one stareMesaj call now, for a message still waiting for ANAF
        (owners and admins: it spends the company's ANAF allowance)."""
        if not can_administer(Role(membership.role)):
            raise NotAllowed("Doar proprietarii și administratorii pot întreba ANAF de starea mesajului.")
        item = find(membership.cif, message_id)
        if not State(item.state).pending or not item.upload_index:
            return item
        try:
            follow(self._client(membership.cif), self._budget, item, self._now)
        except BudgetExhausted:
            raise AnafBudgetSpent() from None
        except (anaf.AnafAuthError, CredentialMissing, CredentialInvalid):
            raise NotAuthorizedAtAnaf() from None
        except anaf.AnafError:
            raise AnafNotReachable() from None
        return find(membership.cif, message_id)

    def _client(self, cif: str) -> EFacturaClient:
        company = companies.get(cif)
        if company is None or not company.credential_id:
            raise NotAuthorizedAtAnaf()
        credential_id = company.credential_id
        return self._efactura(lambda: self._vault.access_token(credential_id))


def find(cif: str, message_id: str) -> BuyerMessage:
    item = records.get(cif, message_id)
    if item is None:
        raise BuyerMessageNotFound()
    return item


def listing(index: DocumentIndex, cif: str, document_id: str | None = None) -> list[BuyerMessage]:
    """The company's messages, newest first; with `document_id`, those about that document of the
    company (404 for another company's)."""
    if document_id is not None:
        document_id = documents.find(index, cif, document_id).message_id
    return list(records.newest_first(cif, document_id))


def follow(client: EFacturaClient, budget: CallBudget, item: BuyerMessage, clock: Callable[[], datetime]) -> int:
    """Ask ANAF where one uploaded message is and record the answer; the ANAF calls made.

    ANAF's refusal to answer about the message (its words, e.g. an unknown index or the day's
    100 questions spent) is kept on the message, which is asked again next time; availability
    and authorization failures propagate."""
    budget.spend_status(item.upload_index or "")
    try:
        status = client.message_status(item.upload_index or "")
    except anaf.AnafAuthError:
        raise
    except anaf.AnafError as problem:
        if problem.retryable and not isinstance(problem, anaf.AnafDailyLimitReached):
            raise
        records.record_check(item, State(item.state), clock(), anaf_error=problem.message or problem.code)
        return 1
    if status.state is MessageState.PROCESSING:
        records.record_check(item, State.PROCESSING, clock())
        return 1
    if status.state is MessageState.OK:
        records.record_check(item, State.ACCEPTED, clock(), download_id=status.download_id)
        return 1
    if status.state is MessageState.REJECTED:
        records.record_check(item, State.REFUSED, clock(), anaf_error=MessageState.REJECTED.value)
        return 1
    words, calls = _nok_words(client, budget, status.download_id)
    records.record_check(item, State.REFUSED, clock(), download_id=status.download_id, anaf_error=words)
    return 1 + calls


def _nok_words(client: EFacturaClient, budget: CallBudget, download_id: str | None) -> tuple[str, int]:
    """ANAF's own errors for a `nok` (they are in the error file it serves), or its `stare`."""
    if not download_id:
        return MessageState.NOK.value, 0
    try:
        budget.spend_download(download_id)
        content = client.download(download_id).content
        errors = parse_error_message(open_anaf_zip(content).invoice_xml).errors
    except (anaf.AnafError, BudgetExhausted, InvoiceLayerError) as error:
        logger.info("nok without readable errors", extra={"error": type(error).__name__})
        return MessageState.NOK.value, 1
    return ("; ".join(errors) or MessageState.NOK.value), 1


def follow_pending(client: EFacturaClient, budget: CallBudget, cif: str, clock: Callable[[], datetime]) -> int:
    """Follow every message of the company still waiting for ANAF (called by the sync run);
    the ANAF calls made. A spent budget stops following, never the run."""
    calls = 0
    for item in records.pending(cif):
        try:
            calls += follow(client, budget, item, clock)
        except BudgetExhausted:
            break
        except anaf.AnafAuthError:
            raise
        except anaf.AnafError as error:
            logger.info("buyer message not followed", extra={"cif": cif, "code": error.code})
            calls += 1
    return calls
