"""``parse_invoice``: everything a Romanian accountant expects on the rendered invoice.

Slower than ``parse_summary`` (paths, every optional element); used once per invoice shown.
Optional elements may be missing; mandatory ones (number, issue date, type code, currency,
both parties, the four EN 16931 totals) raise ``InvalidInvoice``.
"""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal

from lxml import etree

from chalicelib.invoices.errors import InvalidInvoice
from chalicelib.invoices.models import (
    Address,
    AllowanceCharge,
    Attachment,
    BankAccount,
    Contact,
    Delivery,
    DocumentReference,
    ExchangeInfo,
    Invoice,
    ItemCode,
    Line,
    Party,
    PaymentMeans,
    Period,
    References,
    Totals,
    VatBreakdown,
)
from chalicelib.invoices.ubl_summary import SELF_BILLING_TYPE_CODES, check_invoice_root, document_kind
from chalicelib.invoices.values import (
    CAC,
    CBC,
    Cuts,
    base64_size,
    cif_from,
    date_or_none,
    decimal_or_none,
    looks_like_reg_com,
    required_date,
    required_decimal,
)
from chalicelib.invoices.xml import parse_xml

NS = {
    "cac": CAC.strip("{}"),
    "cbc": CBC.strip("{}"),
}
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


class _Reader:
    """Text and value access relative to an element, with length caps recorded in ``cuts``."""

    def __init__(self, cuts: Cuts) -> None:
        self.cuts = cuts

    def text(self, el: etree._Element | None, path: str, field: str, limit: int = 4000) -> str:
        if el is None:
            return ""
        return self.cuts.text(el.findtext(path, namespaces=NS), field, limit)

    def texts(self, el: etree._Element, path: str, field: str) -> tuple[str, ...]:
        values = (self.cuts.text(node.text, field) for node in el.iterfind(path, namespaces=NS))
        return tuple(v for v in values if v)

    @staticmethod
    def amount(el: etree._Element | None, path: str) -> Decimal | None:
        return None if el is None else decimal_or_none(el.findtext(path, namespaces=NS))

    @staticmethod
    def date(el: etree._Element | None, path: str):
        return None if el is None else date_or_none(el.findtext(path, namespaces=NS))


def _address(r: _Reader, el: etree._Element | None, field: str) -> Address | None:
    if el is None:
        return None
    return Address(
        street=r.text(el, "cbc:StreetName", f"{field}.street", 500),
        additional_street=r.text(el, "cbc:AdditionalStreetName", f"{field}.additional_street", 500),
        city=r.text(el, "cbc:CityName", f"{field}.city", 200),
        postal_zone=r.text(el, "cbc:PostalZone", f"{field}.postal_zone", 50),
        county=r.text(el, "cbc:CountrySubentity", f"{field}.county", 100),
        country=r.text(el, "cac:Country/cbc:IdentificationCode", f"{field}.country", 10),
        address_line=r.text(el, "cac:AddressLine/cbc:Line", f"{field}.address_line", 500),
    )


def _bank_account(r: _Reader, el: etree._Element | None, field: str) -> BankAccount | None:
    if el is None:
        return None
    iban = r.text(el, "cbc:ID", f"{field}.iban", 100)
    if not iban:
        return None
    return BankAccount(
        iban=iban,
        name=r.text(el, "cbc:Name", f"{field}.name", 500),
        bank=r.text(el, "cac:FinancialInstitutionBranch/cbc:ID", f"{field}.bank", 200)
        or r.text(el, "cac:FinancialInstitutionBranch/cbc:Name", f"{field}.bank", 200),
    )


def _party(r: _Reader, root: etree._Element, role_path: str, role: str, accounts: tuple) -> Party:
    party = root.find(f"{role_path}/cac:Party", NS)
    if party is None:
        raise InvalidInvoice(f"missing_{role}", f"the invoice has no {role} party")
    trading = r.text(party, "cac:PartyName/cbc:Name", f"{role}.trading_name")
    registration = r.text(party, "cac:PartyLegalEntity/cbc:RegistrationName", f"{role}.registration_name")
    vat_id = r.text(party, "cac:PartyTaxScheme/cbc:CompanyID", f"{role}.vat_id", 100)
    legal_id = r.text(party, "cac:PartyLegalEntity/cbc:CompanyID", f"{role}.legal_id", 100)
    legal_form = r.text(party, "cac:PartyLegalEntity/cbc:CompanyLegalForm", f"{role}.legal_form", 500)
    identifiers = r.texts(party, "cac:PartyIdentification/cbc:ID", f"{role}.identifier")
    cif = cif_from(vat_id) or cif_from(legal_id) or next(filter(None, map(cif_from, identifiers)), None)
    reg_com = next((v for v in (legal_id, legal_form, *identifiers) if looks_like_reg_com(v)), "")
    contact = party.find("cac:Contact", NS)
    return Party(
        name=registration or trading,
        trading_name=trading,
        registration_name=registration,
        cif=cif,
        vat_id=vat_id or None,
        legal_id=legal_id,
        legal_form=legal_form,
        registration_number=reg_com,
        identifiers=identifiers,
        endpoint_id=r.text(party, "cbc:EndpointID", f"{role}.endpoint_id", 200),
        address=_address(r, party.find("cac:PostalAddress", NS), f"{role}.address") or Address(),
        contact=Contact(
            name=r.text(contact, "cbc:Name", f"{role}.contact.name", 500),
            phone=r.text(contact, "cbc:Telephone", f"{role}.contact.phone", 100),
            email=r.text(contact, "cbc:ElectronicMail", f"{role}.contact.email", 320),
        ),
        bank_accounts=accounts,
    )


def _allowance_charge(r: _Reader, el: etree._Element, field: str) -> AllowanceCharge:
    return AllowanceCharge(
        is_charge=(el.findtext("cbc:ChargeIndicator", namespaces=NS) or "").strip().lower() == "true",
        amount=r.amount(el, "cbc:Amount") or Decimal(0),
        reason=r.text(el, "cbc:AllowanceChargeReason", f"{field}.reason"),
        reason_code=r.text(el, "cbc:AllowanceChargeReasonCode", f"{field}.reason_code", 20),
        base_amount=r.amount(el, "cbc:BaseAmount"),
        percent=r.amount(el, "cbc:MultiplierFactorNumeric"),
        vat_category=r.text(el, "cac:TaxCategory/cbc:ID", f"{field}.vat_category", 10),
        vat_percent=r.amount(el, "cac:TaxCategory/cbc:Percent"),
    )


def _line(r: _Reader, el: etree._Element, quantity_tag: str) -> Line:
    item = el.find("cac:Item", NS)
    quantity = el.find(quantity_tag, NS)
    base = el.find("cac:Price/cbc:BaseQuantity", NS)
    return Line(
        id=r.text(el, "cbc:ID", "line.id", 100),
        name=r.text(item, "cbc:Name", "line.name"),
        description=r.text(item, "cbc:Description", "line.description"),
        notes=r.texts(el, "cbc:Note", "line.note"),
        seller_item_id=r.text(item, "cac:SellersItemIdentification/cbc:ID", "line.seller_item_id", 200),
        buyer_item_id=r.text(item, "cac:BuyersItemIdentification/cbc:ID", "line.buyer_item_id", 200),
        standard_item_id=r.text(item, "cac:StandardItemIdentification/cbc:ID", "line.standard_item_id", 200),
        commodity_codes=tuple(
            ItemCode(r.cuts.text(code.text, "line.commodity_code", 100), code.get("listID", "")[:50])
            for code in (item.iterfind("cac:CommodityClassification/cbc:ItemClassificationCode", NS)
                         if item is not None else ())
        ),
        quantity=None if quantity is None else decimal_or_none(quantity.text),
        unit_code=(quantity.get("unitCode", "") if quantity is not None else "")[:20],
        unit_price=r.amount(el, "cac:Price/cbc:PriceAmount"),
        price_base_quantity=None if base is None else decimal_or_none(base.text),
        price_base_unit=(base.get("unitCode", "") if base is not None else "")[:20],
        net_amount=r.amount(el, "cbc:LineExtensionAmount"),
        vat_category=r.text(item, "cac:ClassifiedTaxCategory/cbc:ID", "line.vat_category", 10),
        vat_percent=r.amount(item, "cac:ClassifiedTaxCategory/cbc:Percent"),
        allowances_charges=tuple(
            _allowance_charge(r, ac, "line.allowance_charge") for ac in el.iterfind("cac:AllowanceCharge", NS)
        ),
        origin_country=r.text(item, "cac:OriginCountry/cbc:IdentificationCode", "line.origin_country", 10),
    )


def _tax_totals(root: etree._Element, currency: str, tax_currency: str | None):
    """(the TaxTotal in the document currency, VAT amount in the tax currency)."""
    main, in_tax_currency = None, None
    for total in root.iterfind("cac:TaxTotal", NS):
        amount = total.find("cbc:TaxAmount", NS)
        unit = amount.get("currencyID", currency) if amount is not None else currency
        if unit == currency and main is None:
            main = total
        elif tax_currency and unit == tax_currency and in_tax_currency is None:
            in_tax_currency = decimal_or_none(amount.text if amount is not None else None)
    return main, in_tax_currency


def _vat_breakdown(r: _Reader, tax_total: etree._Element | None) -> tuple[VatBreakdown, ...]:
    if tax_total is None:
        return ()
    return tuple(
        VatBreakdown(
            category=r.text(sub, "cac:TaxCategory/cbc:ID", "vat.category", 10),
            percent=r.amount(sub, "cac:TaxCategory/cbc:Percent"),
            taxable=r.amount(sub, "cbc:TaxableAmount"),
            tax=r.amount(sub, "cbc:TaxAmount"),
            exemption_reason_code=r.text(sub, "cac:TaxCategory/cbc:TaxExemptionReasonCode",
                                         "vat.exemption_code", 50),
            exemption_reason=r.text(sub, "cac:TaxCategory/cbc:TaxExemptionReason", "vat.exemption_reason"),
        )
        for sub in tax_total.iterfind("cac:TaxSubtotal", NS)
    )


def _totals(r: _Reader, root: etree._Element, vat_total, vat_tax_currency) -> Totals:
    lmt = root.find("cac:LegalMonetaryTotal", NS)
    if lmt is None:
        raise InvalidInvoice("missing_totals", "the invoice has no LegalMonetaryTotal")

    def required(tag: str, field: str) -> Decimal:
        return required_decimal(lmt.findtext(f"cbc:{tag}", namespaces=NS), field)

    return Totals(
        line_extension=required("LineExtensionAmount", "line_extension"),
        tax_exclusive=required("TaxExclusiveAmount", "tax_exclusive"),
        tax_inclusive=required("TaxInclusiveAmount", "tax_inclusive"),
        payable=required("PayableAmount", "payable"),
        allowance_total=r.amount(lmt, "cbc:AllowanceTotalAmount"),
        charge_total=r.amount(lmt, "cbc:ChargeTotalAmount"),
        prepaid=r.amount(lmt, "cbc:PrepaidAmount"),
        rounding=r.amount(lmt, "cbc:PayableRoundingAmount"),
        vat_total=vat_total,
        vat_total_tax_currency=vat_tax_currency,
    )


def _payment_means(r: _Reader, root: etree._Element) -> tuple[PaymentMeans, ...]:
    out = []
    for el in root.iterfind("cac:PaymentMeans", NS):
        code = el.find("cbc:PaymentMeansCode", NS)
        out.append(PaymentMeans(
            code=r.cuts.text(code.text if code is not None else "", "payment_means.code", 20),
            name=r.cuts.text(code.get("name", "") if code is not None else "", "payment_means.name", 200),
            payment_id=r.text(el, "cbc:PaymentID", "payment_means.payment_id", 500),
            account=_bank_account(r, el.find("cac:PayeeFinancialAccount", NS), "payment_means.account"),
            due_date=r.date(el, "cbc:PaymentDueDate"),
        ))
    return tuple(out)


def _references(r: _Reader, root: etree._Element) -> References:
    billing = tuple(
        DocumentReference(r.text(ref, "cbc:ID", "references.billing", 200), r.date(ref, "cbc:IssueDate"))
        for ref in root.iterfind("cac:BillingReference/cac:InvoiceDocumentReference", NS)
    )
    return References(
        buyer_reference=r.text(root, "cbc:BuyerReference", "references.buyer", 500),
        order=r.text(root, "cac:OrderReference/cbc:ID", "references.order", 500),
        sales_order=r.text(root, "cac:OrderReference/cbc:SalesOrderID", "references.sales_order", 500),
        contract=r.text(root, "cac:ContractDocumentReference/cbc:ID", "references.contract", 500),
        project=r.text(root, "cac:ProjectReference/cbc:ID", "references.project", 500),
        despatch=r.text(root, "cac:DespatchDocumentReference/cbc:ID", "references.despatch", 500),
        receiving=r.text(root, "cac:ReceiptDocumentReference/cbc:ID", "references.receiving", 500),
        originator=r.text(root, "cac:OriginatorDocumentReference/cbc:ID", "references.originator", 500),
        billing=tuple(ref for ref in billing if ref.id),
    )


def _period(r: _Reader, root: etree._Element) -> Period | None:
    el = root.find("cac:InvoicePeriod", NS)
    if el is None:
        return None
    return Period(r.date(el, "cbc:StartDate"), r.date(el, "cbc:EndDate"),
                  r.text(el, "cbc:DescriptionCode", "period.description_code", 20))


def _delivery(r: _Reader, root: etree._Element) -> Delivery | None:
    el = root.find("cac:Delivery", NS)
    if el is None:
        return None
    return Delivery(
        date=r.date(el, "cbc:ActualDeliveryDate"),
        location_id=r.text(el, "cac:DeliveryLocation/cbc:ID", "delivery.location_id", 200),
        address=_address(r, el.find("cac:DeliveryLocation/cac:Address", NS), "delivery.address"),
        party_name=r.text(el, "cac:DeliveryParty/cac:PartyName/cbc:Name", "delivery.party_name"),
    )


def _decode_attachment(text: str | None) -> tuple[bytes | None, int, bool, bool]:
    """(content, size, base64_invalid, too_large)."""
    if not text:
        return None, 0, False, False
    size = base64_size(text)
    if size > MAX_ATTACHMENT_BYTES:
        return None, size, False, True
    try:
        content = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None, size, True, False
    return content, len(content), False, False


def _attribute(el: etree._Element | None, name: str) -> str:
    return "" if el is None else el.get(name, "")


def _attachments(r: _Reader, root: etree._Element) -> tuple[Attachment, ...]:
    out = []
    for ref in root.iterfind("cac:AdditionalDocumentReference", NS):
        attachment = ref.find("cac:Attachment", NS)
        if attachment is None:
            continue
        binary = attachment.find("cbc:EmbeddedDocumentBinaryObject", NS)
        content, size, invalid, too_large = _decode_attachment(binary.text if binary is not None else None)
        out.append(Attachment(
            id=r.text(ref, "cbc:ID", "attachment.id", 200),
            description=r.text(ref, "cbc:DocumentDescription", "attachment.description"),
            filename=r.cuts.text(_attribute(binary, "filename"), "attachment.filename", 255),
            mime=r.cuts.text(_attribute(binary, "mimeCode"), "attachment.mime", 100),
            content=content,
            size=size,
            base64_invalid=invalid,
            too_large=too_large,
            external_uri=r.text(attachment, "cac:ExternalReference/cbc:URI", "attachment.uri", 2000),
        ))
    return tuple(out)


def _exchange(root, currency, tax_currency, vat_total, vat_tax_currency) -> ExchangeInfo | None:
    if not tax_currency or tax_currency == currency:
        return None
    declared = decimal_or_none(root.findtext("cac:TaxExchangeRate/cbc:CalculationRate", namespaces=NS))
    implied = None
    if vat_total and vat_tax_currency is not None:
        implied = (vat_tax_currency / vat_total).quantize(Decimal("0.000001"))
    return ExchangeInfo(currency, tax_currency, vat_total, vat_tax_currency, declared, implied)


def invoice_from_root(root: etree._Element) -> Invoice:
    credit_root = check_invoice_root(root)
    r = _Reader(Cuts())
    number = r.text(root, "cbc:ID", "number", 200)
    if not number:
        raise InvalidInvoice("missing_number", "the invoice has no number (cbc:ID)")
    type_tag = "cbc:CreditNoteTypeCode" if credit_root else "cbc:InvoiceTypeCode"
    type_code = r.text(root, type_tag, "type_code", 10)
    if not type_code:
        raise InvalidInvoice("missing_type_code", "the invoice has no type code")
    currency = r.text(root, "cbc:DocumentCurrencyCode", "currency", 10)
    if not currency:
        raise InvalidInvoice("missing_currency", "the invoice has no DocumentCurrencyCode")
    tax_currency = r.text(root, "cbc:TaxCurrencyCode", "tax_currency", 10) or None
    main_tax, vat_tax_currency = _tax_totals(root, currency, tax_currency)
    vat_total = r.amount(main_tax, "cbc:TaxAmount")
    if tax_currency == currency:
        vat_tax_currency = vat_total
    means = _payment_means(r, root)
    payee_accounts = tuple(m.account for m in means if m.account is not None)
    payer_accounts = tuple(filter(None, (
        _bank_account(r, el, "customer.bank_account")
        for el in root.iterfind("cac:PaymentMeans/cac:PaymentMandate/cac:PayerFinancialAccount", NS)
    )))
    line_tag, quantity_tag = (("cac:CreditNoteLine", "cbc:CreditedQuantity") if credit_root
                              else ("cac:InvoiceLine", "cbc:InvoicedQuantity"))
    supplier = _party(r, root, "cac:AccountingSupplierParty", "supplier", payee_accounts)
    customer = _party(r, root, "cac:AccountingCustomerParty", "customer", payer_accounts)
    totals = _totals(r, root, vat_total, vat_tax_currency)
    issue_date = required_date(root.findtext("cbc:IssueDate", namespaces=NS), "issue_date")
    due_date = r.date(root, "cbc:DueDate") or next((m.due_date for m in means if m.due_date), None)
    return Invoice(
        kind=document_kind(credit_root, type_code),
        type_code=type_code,
        self_billing=type_code in SELF_BILLING_TYPE_CODES,
        customization_id=r.text(root, "cbc:CustomizationID", "customization_id", 500),
        profile_id=r.text(root, "cbc:ProfileID", "profile_id", 500),
        number=number,
        issue_date=issue_date,
        due_date=due_date,
        tax_point_date=r.date(root, "cbc:TaxPointDate"),
        currency=currency,
        tax_currency=tax_currency,
        supplier=supplier,
        customer=customer,
        payee_name=r.text(root, "cac:PayeeParty/cac:PartyName/cbc:Name", "payee_name"),
        tax_representative_name=r.text(root, "cac:TaxRepresentativeParty/cac:PartyName/cbc:Name",
                                       "tax_representative_name"),
        lines=tuple(_line(r, el, quantity_tag) for el in root.iterfind(line_tag, NS)),
        allowances_charges=tuple(
            _allowance_charge(r, el, "allowance_charge") for el in root.iterfind("cac:AllowanceCharge", NS)
        ),
        vat_breakdown=_vat_breakdown(r, main_tax),
        totals=totals,
        notes=r.texts(root, "cbc:Note", "note"),
        payment_terms=r.texts(root, "cac:PaymentTerms/cbc:Note", "payment_terms"),
        payment_means=means,
        references=_references(r, root),
        period=_period(r, root),
        delivery=_delivery(r, root),
        exchange=_exchange(root, currency, tax_currency, vat_total, vat_tax_currency),
        attachments=_attachments(r, root),
        truncated_fields=r.cuts.result(),
    )


def parse_invoice(xml: bytes) -> Invoice:
    """The full Invoice or CreditNote (UBL 2.1 / CIUS-RO) for rendering."""
    return invoice_from_root(parse_xml(xml))
