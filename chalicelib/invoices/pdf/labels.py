"""Romanian words for the codes an e-Factura carries: units, counties, VAT, payment means.

Pure data and lookups (no WeasyPrint): the tests read them directly. An unknown code is
shown as written, never hidden.
"""

from __future__ import annotations

# UN/ECE Recommendation 20 (units) and 21 (packages, "X…") codes seen on Romanian invoices.
UNITS: dict[str, str] = {
    # count
    "H87": "bucată", "C62": "unitate", "EA": "bucată", "PCE": "bucată", "XPP": "bucată",
    "NAR": "articol", "NPR": "pereche", "PR": "pereche", "SET": "set", "DZN": "duzină",
    "LS": "forfetar", "E48": "serviciu", "ACT": "activitate", "SX": "transport", "ZZ": "unitate convenită",
    "P1": "procent", "XUN": "unitate",
    # mass
    "KGM": "kilogram", "GRM": "gram", "MGM": "miligram", "TNE": "tonă", "KTN": "kilotonă",
    "DTN": "chintal", "58": "kilogram net",
    # length, area, volume
    "MTR": "metru", "KMT": "kilometru", "CMT": "centimetru", "MMT": "milimetru", "LM": "metru liniar",
    "MTK": "metru pătrat", "CMK": "centimetru pătrat", "KMK": "kilometru pătrat", "HAR": "hectar",
    "ARE": "ar", "MTQ": "metru cub", "DMQ": "decimetru cub", "CMQ": "centimetru cub",
    "LTR": "litru", "MLT": "mililitru", "CLT": "centilitru", "DLT": "decilitru", "HLT": "hectolitru",
    "GLL": "galon",
    # time
    "SEC": "secundă", "MIN": "minut", "HUR": "oră", "DAY": "zi", "WEE": "săptămână", "MON": "lună",
    "QAN": "trimestru", "ANN": "an",
    # energy and power
    "KWH": "kilowatt-oră", "MWH": "megawatt-oră", "GWH": "gigawatt-oră", "WHR": "watt-oră",
    "KWT": "kilowatt", "MAW": "megawatt", "KVR": "kilovar", "KVA": "kilovoltamper",
    "KVH": "kilovar-oră", "MQH": "metru cub pe oră", "GJ": "gigajoule", "KJO": "kilojoule",
    "A9": "tarif", "KMH": "kilometru pe oră",
    # packages (Rec 21)
    "XBX": "cutie", "BX": "cutie", "XCT": "carton", "CT": "carton", "XPK": "pachet", "PK": "pachet",
    "PA": "pachet", "XPA": "pachet", "XPX": "palet", "PF": "palet", "XBG": "sac", "XSA": "sac",
    "BG": "sac", "XBO": "sticlă", "XBA": "butoi", "XDR": "bidon", "XCA": "cutie metalică",
    "XRO": "rolă", "RO": "rolă", "XBE": "balot", "XBJ": "găleată", "XTU": "tub", "XVI": "flacon",
    "XST": "foaie", "XEN": "plic", "XCR": "ladă", "XCS": "ladă", "XCY": "cilindru", "XKG": "butoiaș",
    "XTN": "cutie de tablă", "XAE": "aerosol", "XBF": "balon", "XBK": "coș", "XJR": "borcan",
    "XBT": "balot", "XOT": "altele",
}

# ISO 3166-2:RO subdivision codes (CIUS-RO BT-39/BT-54).
COUNTIES: dict[str, str] = {
    "RO-AB": "Alba", "RO-AR": "Arad", "RO-AG": "Argeș", "RO-BC": "Bacău", "RO-BH": "Bihor",
    "RO-BN": "Bistrița-Năsăud", "RO-BT": "Botoșani", "RO-BV": "Brașov", "RO-BR": "Brăila",
    "RO-B": "Municipiul București", "RO-BZ": "Buzău", "RO-CS": "Caraș-Severin", "RO-CL": "Călărași",
    "RO-CJ": "Cluj", "RO-CT": "Constanța", "RO-CV": "Covasna", "RO-DB": "Dâmbovița", "RO-DJ": "Dolj",
    "RO-GL": "Galați", "RO-GR": "Giurgiu", "RO-GJ": "Gorj", "RO-HR": "Harghita", "RO-HD": "Hunedoara",
    "RO-IL": "Ialomița", "RO-IS": "Iași", "RO-IF": "Ilfov", "RO-MM": "Maramureș", "RO-MH": "Mehedinți",
    "RO-MS": "Mureș", "RO-NT": "Neamț", "RO-OT": "Olt", "RO-PH": "Prahova", "RO-SM": "Satu Mare",
    "RO-SJ": "Sălaj", "RO-SB": "Sibiu", "RO-SV": "Suceava", "RO-TR": "Teleorman", "RO-TM": "Timiș",
    "RO-TL": "Tulcea", "RO-VS": "Vaslui", "RO-VL": "Vâlcea", "RO-VN": "Vrancea",
}

COUNTRIES: dict[str, str] = {
    "RO": "România", "MD": "Republica Moldova", "HU": "Ungaria", "BG": "Bulgaria", "DE": "Germania",
    "AT": "Austria", "IT": "Italia", "FR": "Franța", "ES": "Spania", "NL": "Țările de Jos",
    "BE": "Belgia", "PL": "Polonia", "CZ": "Cehia", "SK": "Slovacia", "SE": "Suedia", "GB": "Regatul Unit",
    "US": "Statele Unite ale Americii", "UA": "Ucraina", "RS": "Serbia", "GR": "Grecia", "CH": "Elveția",
}

# UNCL 5305 VAT category codes.
VAT_CATEGORIES: dict[str, str] = {
    "S": "taxabil (S)",
    "Z": "cota zero (Z)",
    "E": "scutit (E)",
    "AE": "taxare inversă (AE)",
    "K": "scutit, livrare intracomunitară (K)",
    "G": "scutit, export (G)",
    "O": "neimpozabil (O)",
    "L": "IGIC, Insulele Canare (L)",
    "M": "IPSI, Ceuta și Melilla (M)",
}

# UNCL 4461 payment means codes.
PAYMENT_MEANS: dict[str, str] = {
    "1": "nespecificat", "10": "numerar", "20": "cec", "30": "transfer credit", "31": "transfer debit",
    "42": "ordin de plată în cont bancar", "48": "card bancar", "49": "debitare directă",
    "54": "card de credit", "55": "card de debit", "57": "ordin de plată permanent",
    "58": "transfer credit SEPA", "59": "debitare directă SEPA", "68": "plată online",
    "97": "compensare", "ZZZ": "modalitate convenită",
}

# UNCL 1001 codes CIUS-RO accepts (and a few neighbours).
DOCUMENT_TYPES: dict[str, str] = {
    "380": "factură comercială",
    "381": "notă de credit",
    "384": "factură corectată",
    "386": "factură de avans",
    "389": "autofactură",
    "751": "factură – informații în scopuri contabile",
}

SIGNATURE_STATUS: dict[str, str] = {
    "valid": "validă",
    "invalid": "INVALIDĂ",
    "unknown": "neverificată (rezultat necunoscut)",
    "missing": "lipsă",
    "untrusted": "emitent neîncrezut",
    "error": "nu a putut fi verificată",
}


def unit_name(code: str) -> str:
    """The readable Romanian unit name of a Rec 20/21 code, else the code itself."""
    return UNITS.get(code.strip().upper(), code.strip()) if code else ""


def county_name(code: str) -> str:
    if not code:
        return ""
    return COUNTIES.get(code.strip().upper(), code.strip())


def country_name(code: str) -> str:
    if not code:
        return ""
    return COUNTRIES.get(code.strip().upper(), code.strip())


def vat_category_name(code: str) -> str:
    return VAT_CATEGORIES.get(code.strip().upper(), code.strip()) if code else ""


def payment_means_name(code: str, name: str = "") -> str:
    known = PAYMENT_MEANS.get(code.strip())
    if known:
        return known
    return name or code


def signature_text(status: str) -> str:
    return SIGNATURE_STATUS.get((status or "unknown").strip().lower(), f"nedeterminată ({status})")
