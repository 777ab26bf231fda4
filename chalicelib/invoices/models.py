"""Typed, immutable values read from invoices and ANAF's own documents.

Money, quantities and rates are ``Decimal`` (never float); dates are ``datetime.date``.
Free text is kept as text (the renderer escapes it), capped at ``MAX_TEXT`` characters;
the names of fields that were cut are listed in ``truncated_fields``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

MAX_TEXT = 4000


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    ERROR_MESSAGE = "error_message"  # ERORI FACTURA (mesajEroriFactuta)
    BUYER_MESSAGE = "buyer_message"  # MESAJ CUMPARATOR (RASP, reqMesaj)
    UNKNOWN = "unknown"


# --- summary (indexing) ---------------------------------------------------------------------


@dataclass(frozen=True)
class PartySummary:
    name: str  # RegistrationName, else PartyName/Name
    cif: str | None  # digits only, without "RO"; None when no Romanian fiscal code is found
    vat_id: str | None  # PartyTaxScheme/CompanyID as written (e.g. "RO1234567")


@dataclass(frozen=True)
class AttachmentInfo:
    filename: str
    mime: str
    size: int  # decoded size in bytes, computed from the base64 length (content not decoded)


@dataclass(frozen=True)
class DocumentSummary:
    kind: DocumentKind  # INVOICE or CREDIT_NOTE (an Invoice with type code 381 is a credit note)
    type_code: str
    self_billing: bool  # type code 389 (autofactură)
    number: str
    issue_date: dt.date
    due_date: dt.date | None
    currency: str
    tax_currency: str | None
    line_extension: Decimal
    tax_exclusive: Decimal
    tax_inclusive: Decimal
    vat_total: Decimal | None  # in the document currency
    vat_total_ron: Decimal | None  # = vat_total for RON documents
    prepaid: Decimal | None
    payable: Decimal
    supplier: PartySummary
    customer: PartySummary
    line_count: int
    line_names: tuple[str, ...]  # the first ``max_line_names`` item names
    attachments: tuple[AttachmentInfo, ...]
    notes_count: int
    truncated_fields: tuple[str, ...] = ()


# --- full invoice (rendering) ---------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    street: str = ""
    additional_street: str = ""
    city: str = ""
    postal_zone: str = ""
    county: str = ""  # CountrySubentity, ISO 3166-2:RO (e.g. RO-B, RO-CJ)
    country: str = ""  # ISO 3166-1 alpha-2
    address_line: str = ""


@dataclass(frozen=True)
class Contact:
    name: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class BankAccount:
    iban: str
    name: str = ""  # account name
    bank: str = ""  # FinancialInstitutionBranch/ID (BIC) or its name


@dataclass(frozen=True)
class Party:
    name: str  # RegistrationName, else PartyName/Name
    trading_name: str  # PartyName/Name
    registration_name: str  # PartyLegalEntity/RegistrationName
    cif: str | None
    vat_id: str | None
    legal_id: str  # PartyLegalEntity/CompanyID as written (CUI or Reg. Com.)
    legal_form: str  # PartyLegalEntity/CompanyLegalForm (often the Reg. Com. in RO)
    registration_number: str  # Reg. Com. (J40/123/2000 or J2000000123409), when recognisable
    identifiers: tuple[str, ...]  # PartyIdentification/ID
    endpoint_id: str
    address: Address
    contact: Contact
    bank_accounts: tuple[BankAccount, ...]


@dataclass(frozen=True)
class ItemCode:
    code: str
    list_id: str = ""


@dataclass(frozen=True)
class AllowanceCharge:
    is_charge: bool
    amount: Decimal
    reason: str = ""
    reason_code: str = ""
    base_amount: Decimal | None = None
    percent: Decimal | None = None
    vat_category: str = ""
    vat_percent: Decimal | None = None


@dataclass(frozen=True)
class Line:
    id: str
    name: str
    description: str
    notes: tuple[str, ...]
    seller_item_id: str
    buyer_item_id: str
    standard_item_id: str
    commodity_codes: tuple[ItemCode, ...]
    quantity: Decimal | None
    unit_code: str
    unit_price: Decimal | None
    price_base_quantity: Decimal | None
    price_base_unit: str
    net_amount: Decimal | None
    vat_category: str
    vat_percent: Decimal | None
    allowances_charges: tuple[AllowanceCharge, ...]
    origin_country: str = ""


@dataclass(frozen=True)
class VatBreakdown:
    category: str
    percent: Decimal | None
    taxable: Decimal | None
    tax: Decimal | None
    exemption_reason_code: str = ""
    exemption_reason: str = ""


@dataclass(frozen=True)
class Totals:
    line_extension: Decimal
    tax_exclusive: Decimal
    tax_inclusive: Decimal
    payable: Decimal
    allowance_total: Decimal | None = None
    charge_total: Decimal | None = None
    prepaid: Decimal | None = None
    rounding: Decimal | None = None
    vat_total: Decimal | None = None  # document currency (BT-110)
    vat_total_tax_currency: Decimal | None = None  # in TaxCurrencyCode (BT-111)


@dataclass(frozen=True)
class PaymentMeans:
    code: str
    name: str = ""  # PaymentMeansCode/@name
    payment_id: str = ""  # PaymentID (BT-83)
    account: BankAccount | None = None  # PayeeFinancialAccount
    due_date: dt.date | None = None


@dataclass(frozen=True)
class DocumentReference:
    id: str
    issue_date: dt.date | None = None


@dataclass(frozen=True)
class References:
    buyer_reference: str = ""
    order: str = ""
    sales_order: str = ""
    contract: str = ""
    project: str = ""
    despatch: str = ""
    receiving: str = ""
    originator: str = ""
    billing: tuple[DocumentReference, ...] = ()  # preceding invoices (BT-25/26)


@dataclass(frozen=True)
class Period:
    start: dt.date | None = None
    end: dt.date | None = None
    description_code: str = ""


@dataclass(frozen=True)
class Delivery:
    date: dt.date | None = None
    location_id: str = ""
    address: Address | None = None
    party_name: str = ""


@dataclass(frozen=True)
class ExchangeInfo:
    """Present when TaxCurrencyCode differs from the document currency."""

    document_currency: str
    tax_currency: str
    vat_total: Decimal | None  # document currency
    vat_total_tax_currency: Decimal | None
    declared_rate: Decimal | None  # cac:TaxExchangeRate/cbc:CalculationRate, when given
    implied_rate: Decimal | None  # vat_total_tax_currency / vat_total (6 decimals)


@dataclass(frozen=True)
class Attachment:
    id: str
    description: str
    filename: str
    mime: str
    content: bytes | None  # decoded; None when absent, undecodable or over the cap
    size: int  # decoded size (estimated from base64 when content is None)
    base64_invalid: bool = False
    too_large: bool = False
    external_uri: str = ""


@dataclass(frozen=True)
class Invoice:
    kind: DocumentKind
    type_code: str
    self_billing: bool
    customization_id: str
    profile_id: str
    number: str
    issue_date: dt.date
    due_date: dt.date | None
    tax_point_date: dt.date | None
    currency: str
    tax_currency: str | None
    supplier: Party
    customer: Party
    payee_name: str
    tax_representative_name: str
    lines: tuple[Line, ...]
    allowances_charges: tuple[AllowanceCharge, ...]
    vat_breakdown: tuple[VatBreakdown, ...]
    totals: Totals
    notes: tuple[str, ...]
    payment_terms: tuple[str, ...]
    payment_means: tuple[PaymentMeans, ...]
    references: References
    period: Period | None
    delivery: Delivery | None
    exchange: ExchangeInfo | None
    attachments: tuple[Attachment, ...]
    truncated_fields: tuple[str, ...] = ()


# --- ANAF's own documents -------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorMessage:
    """ERORI FACTURA: why ANAF refused an upload."""

    upload_index: str  # Index_incarcare
    seller_cif: str  # Cif_emitent
    errors: tuple[str, ...]


@dataclass(frozen=True)
class BuyerMessage:
    """MESAJ CUMPARATOR: the buyer's note about an invoice (a RASP document)."""

    upload_index: str  # index_incarcare: the upload index of the invoice it is about
    text: str
    truncated: bool = False
