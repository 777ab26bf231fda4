"""The seeded world: companies in SPV, their partners and the certificates that see them.

``build_world(seed)`` is a pure function of the seed (``random.Random``, never the global
generator): the same seed always gives the same companies, CIFs and certificates.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from . import ubl
from .cif import is_valid_cif, make_cif

# (ISO 3166-2 code, county, auto code, main locality, postal prefix)
_COUNTIES = (
    ("RO-B", "Municipiul București", "B", "București", "0"),
    ("RO-CJ", "Cluj", "CJ", "Cluj-Napoca", "400"),
    ("RO-IS", "Iași", "IS", "Iași", "700"),
    ("RO-TM", "Timiș", "TM", "Timișoara", "300"),
    ("RO-BV", "Brașov", "BV", "Brașov", "500"),
    ("RO-CT", "Constanța", "CT", "Constanța", "900"),
    ("RO-SB", "Sibiu", "SB", "Sibiu", "550"),
    ("RO-AG", "Argeș", "AG", "Pitești", "110"),
    ("RO-PH", "Prahova", "PH", "Ploiești", "100"),
    ("RO-BH", "Bihor", "BH", "Oradea", "410"),
    ("RO-MS", "Mureș", "MS", "Târgu Mureș", "540"),
    ("RO-SV", "Suceava", "SV", "Suceava", "720"),
    ("RO-DJ", "Dolj", "DJ", "Craiova", "200"),
    ("RO-GL", "Galați", "GL", "Galați", "800"),
    ("RO-IF", "Ilfov", "IF", "Voluntari", "077"),
)
_STREETS = (
    "Strada Mihai Eminescu", "Bulevardul Ștefan cel Mare și Sfânt", "Calea Moșilor",
    "Strada Avram Iancu", "Strada Tudor Vladimirescu", "Aleea Trandafirilor",
    "Strada Horea, Cloșca și Crișan", "Bulevardul Revoluției din 1989", "Strada Păcii",
    "Șoseaua Giurgiului", "Strada Țebei", "Strada Gheorghe Șincai", "Bulevardul Independenței",
)
_NAME_HEADS = (
    "Țesătoria Someșană", "Agroalimentara Bărăgan", "Construcții Moldova Nouă", "Transilvania Logistică",
    "Brutăria Șerban", "Oltenia Energie Verde", "Mobila Ștefănești", "Tehnoserv Ardeal",
    "Cafeneaua Bucureșteană", "Fierăria Mureșeană", "Pădurea Neagră Distribuție", "Viile Dealu Mare",
    "Farmacia Sfânta Vineri", "Crișana Electro Service", "Turism Delta Dunării", "Laptele Dornelor",
    "Olăria Horezu", "Carpați Transport Frigorific", "Dobrogea Cereale", "Librăria Cărturești Nord",
    "Banatul Metalurgic", "Mărțișor Design", "Bucovina Lemn Prelucrat", "Cetatea Făgăraș Imobiliare",
    "Izvorul Minunilor Apă Minerală", "Argeș Piese Auto", "Hanul cu Tei Evenimente", "Siret Agro Cooperativa",
    "Vâlcea Chimia Fină", "Gorjeanca Textile", "Tâmplăria Bârsană", "Sălaj Ceramică", "Ialomița Semințe",
    "Neamț Turism Montan", "Botoșani Lactate", "Covasna Ape Minerale", "Hunedoara Oțel Recuperat",
    "Teleorman Legume Proaspete", "Vaslui Vin Selectat", "Giurgiu Port Logistic", "Mehedinți Pescărie",
)
_HOLDERS = ("Popescu Ion", "Ionescu Maria-Magdalena", "Rădulescu Ștefan", "Dumitrescu Ana-Lucreția")


@dataclass(frozen=True)
class Company:
    """A legal person as ANAF knows it (lookup fields) and as invoices show it (``party``)."""

    party: ubl.Party
    county: str
    county_auto: str
    locality: str
    street: str
    street_no: str
    caen: str
    registered: dt.date
    in_spv: bool  # a company some certificate has rights on

    @property
    def cif(self) -> str:
        return self.party.cif

    @property
    def name(self) -> str:
        return self.party.name


@dataclass(frozen=True)
class Certificate:
    """A qualified certificate on a USB token; ``cifs`` = SPV rights of its holder."""

    serial: str
    holder: str
    cifs: tuple[str, ...]


@dataclass(frozen=True)
class World:
    companies: tuple[Company, ...]  # in SPV, rights held by some certificate
    partners: tuple[Company, ...]  # trade partners, not in SPV here
    certificates: tuple[Certificate, ...]
    volume_cif: str | None = None  # its messages come from the lazy volume source only

    def company(self, cif: str) -> Company | None:
        return self._by_cif().get(cif)

    def add_company(self, company: Company) -> None:
        """A company created by the test controls: the lookup and new uploads know it from now on."""
        self._by_cif()[company.cif] = company

    def _by_cif(self) -> dict[str, Company]:
        cache = self.__dict__.get("_cache")
        if cache is None:
            cache = {c.cif: c for c in self.companies + self.partners}
            object.__setattr__(self, "_cache", cache)
        return cache

    @property
    def selling_partners(self) -> tuple[Company, ...]:
        """Partners that can issue invoices with VAT (BR-S-02 needs the seller's VAT id)."""
        return tuple(p for p in self.partners if p.party.vat_payer)

    def certificate(self, serial: str) -> Certificate | None:
        return next((c for c in self.certificates if c.serial == serial), None)


def _company(rng: random.Random, name_head: str, used: set[str], in_spv: bool, cif: str | None = None) -> Company:
    while cif is None or cif in used:
        cif = make_cif(rng)
    used.add(cif)
    iso, county, auto, locality, postal = rng.choice(_COUNTIES)
    sector = rng.randint(1, 6)
    city = f"SECTOR{sector}" if iso == "RO-B" else locality
    suffix = " SA" if rng.random() < 0.25 else " SRL"
    registered = dt.date(rng.randint(1992, 2022), rng.randint(1, 12), rng.randint(1, 28))
    county_no = {"B": 40}.get(auto, rng.randint(1, 39))
    reg_com = f"J{county_no:02d}/{rng.randint(100, 99999)}/{registered.year}"
    street = rng.choice(_STREETS)
    street_no = str(rng.randint(1, 250))
    postal_zone = (postal + str(rng.randint(0, 10 ** (6 - len(postal)) - 1)).zfill(6 - len(postal)))
    if iso == "RO-B":
        postal_zone = f"0{sector}{rng.randint(1000, 9999)}"
    slug = "".join(ch for ch in name_head.lower() if ch.isascii() and ch.isalpha())[:14] or "firma"
    party = ubl.Party(
        name=name_head + suffix,
        cif=cif,
        vat_payer=rng.random() < 0.9 or in_spv,
        reg_com=reg_com,
        street=f"{street} nr. {street_no}",
        city=city,
        county_code=iso,
        postal_zone=postal_zone,
        iban=f"RO{rng.randint(10, 99)}BTRLRONCRT{rng.randint(10 ** 9, 10 ** 10 - 1)}XX"[:24],
        email=f"facturi@{slug}.ro",
        phone=f"07{rng.randint(20000000, 99999999)}",
    )
    return Company(
        party=party,
        county=county,
        county_auto=auto,
        locality=locality if iso != "RO-B" else f"Municipiul București Sector {sector}",
        street=street,
        street_no=street_no,
        caen=rng.choice(("4690", "4711", "6201", "6920", "4941", "4120", "1071", "5510", "7022")),
        registered=registered,
        in_spv=in_spv,
    )


VOLUME_COMPANY_NAME = "Volum Mare Distribuție"


def extra_company(world: World, number: int, name_head: str | None = None) -> Company:
    """Company number `number` created on demand (deterministic per world and number), with a
    CIF no other company of the world has."""
    rng = random.Random(f"arhivar-sandbox-extra:{number}")
    used = {c.cif for c in world.companies + world.partners}
    while True:
        company = _company(rng, name_head or f"Firma Test {number}", used, False)
        if world.company(company.cif) is None:
            return company


def build_world(seed: int, volume_cif: str | None = None, n_companies: int = 10, n_partners: int = 30) -> World:
    """The companies, partners and certificates for ``seed``."""
    rng = random.Random(f"arhivar-sandbox-world:{seed}")
    heads = list(_NAME_HEADS)
    rng.shuffle(heads)
    used: set[str] = set()
    if volume_cif is not None and not is_valid_cif(volume_cif):
        raise ValueError(f"volume_cif {volume_cif!r} does not pass the CIF control digit")
    companies = [_company(rng, heads[i], used, True) for i in range(n_companies)]
    partners = [_company(rng, heads[n_companies + i], used, False) for i in range(n_partners)]
    volume_extra: list[Company] = []
    if volume_cif is not None and volume_cif not in used:
        volume_extra.append(_company(rng, VOLUME_COMPANY_NAME, used, True, cif=volume_cif))
    all_spv = tuple(c.cif for c in companies) + tuple(c.cif for c in volume_extra)
    third = max(1, n_companies // 3)
    serials = set()
    while len(serials) < 4:
        serials.add(f"{rng.getrandbits(76):019X}")
    s = sorted(sorted(serials), key=lambda x: rng.random())  # a set's order changes per process
    certificates = (
        # An administrator of the first companies (and of the volume company).
        Certificate(s[0], _HOLDERS[0], tuple(c.cif for c in companies[:third]) + tuple(c.cif for c in volume_extra)),
        Certificate(s[1], _HOLDERS[1], tuple(c.cif for c in companies[third : 2 * third + 1])),
        # An accountant with rights on every company.
        Certificate(s[2], _HOLDERS[2], all_spv),
        # A valid certificate whose holder has no SPV rights on any seeded company.
        Certificate(s[3], _HOLDERS[3], ()),
    )
    return World(tuple(companies + volume_extra), tuple(partners), certificates, volume_cif)
