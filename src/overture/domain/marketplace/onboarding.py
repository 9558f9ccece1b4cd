"""Onboarding checks on what a seller submitted, and the risk rules that decide whether a person must
look at it. Pure: the profile is the seller's ``profile`` mapping (domain/marketplace/sellers.py's
REQUIREMENTS); nothing here reads the store or the clock.

Each check answers with a name, passed or not, and a reason a seller can act on. The shapes checked are
plausibility, not registry look-ups: a well-formed tax id can still be someone else's, which is what the
review case is for when the risk rules do not clear a seller on their own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DOCUMENT_KINDS = frozenset({"business_registration", "tax_certificate", "id_document", "bank_statement"})

# ISO 3166-1 alpha-2, officially assigned codes (2024), kept inline: the domain imports no data package.
_ALPHA2 = """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
    BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH
    ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU
    ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU
    LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP
    NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK
    SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA
    VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"""
COUNTRIES = frozenset(_ALPHA2.split())

# EU VAT numbers: the prefix (Greece writes EL) and each state's plausible body (European Commission's
# VIES formats, check digits not verified).
_EU_VAT = {
    "AT": r"U\d{8}",
    "BE": r"[01]\d{9}",
    "BG": r"\d{9,10}",
    "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}",
    "DE": r"\d{9}",
    "DK": r"\d{8}",
    "EE": r"\d{9}",
    "EL": r"\d{9}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
    "FI": r"\d{8}",
    "FR": r"[A-HJ-NP-Z0-9]{2}\d{9}",
    "HR": r"\d{11}",
    "HU": r"\d{8}",
    "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}",
    "LT": r"\d{9}|\d{12}",
    "LU": r"\d{8}",
    "LV": r"\d{11}",
    "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}",
    "PT": r"\d{9}",
    "RO": r"\d{2,10}",
    "SE": r"\d{12}",
    "SI": r"\d{8}",
    "SK": r"\d{10}",
}
_VAT_PREFIX = {"GR": "EL"}  # the one state whose VAT prefix is not its ISO code
_EIN = re.compile(r"\d{2}-\d{7}")
_GB_VAT = re.compile(r"(GB)?(\d{9}|\d{12}|GD[0-4]\d{2}|HA[5-9]\d{2})")

_POSTCODES = {
    "US": re.compile(r"\d{5}(-\d{4})?"),
    "CA": re.compile(r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d"),
    "GB": re.compile(r"GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}"),
    "DE": re.compile(r"\d{5}"),
    "FR": re.compile(r"\d{5}"),
}

_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
# Lengths of the IBANs most sellers give; a country not listed is held to mod 97 alone.
_IBAN_LENGTH = {
    "AT": 20, "BE": 16, "CH": 21, "CZ": 24, "DE": 22, "DK": 18, "ES": 24, "FI": 18, "FR": 27, "GB": 22,
    "IE": 22, "IT": 27, "LU": 20, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "SE": 24,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    passed: bool
    reason: str


def _ok(name: str, reason: str = "ok") -> Check:
    return Check(name, True, reason)


def _fail(name: str, reason: str) -> Check:
    return Check(name, False, reason)


def _compact(text: str) -> str:
    """Tax ids and IBANs are written with spaces, dots and dashes for reading; the checks ignore them."""
    return re.sub(r"[\s.\-]", "", text).upper()


def check_tax_id(tax_id: str, country: str) -> Check:
    """US: an EIN (NN-NNNNNNN); GB: a VAT number; EU states: a VAT number with its own prefix and a
    plausible length; anywhere else: present."""
    name, raw, country = "tax_id", tax_id.strip(), country.strip().upper()
    if not raw:
        return _fail(name, "a tax id is required")
    if country == "US":
        if _EIN.fullmatch(raw):
            return _ok(name, "US EIN")
        return _fail(name, "a US EIN is written NN-NNNNNNN")
    if country == "GB":
        if _GB_VAT.fullmatch(_compact(raw)):
            return _ok(name, "GB VAT number")
        return _fail(name, "a GB VAT number is GB and 9 or 12 digits (or GD/HA and 3 digits)")
    prefix = _VAT_PREFIX.get(country, country)
    body = _EU_VAT.get(prefix)
    if body is None:
        return _ok(name, f"no format known for {country or 'the country'}: present")
    vat = _compact(raw)
    if not vat.startswith(prefix):
        return _fail(name, f"an EU VAT number from {country} starts with {prefix}")
    if not re.fullmatch(body, vat[len(prefix) :]):
        return _fail(name, f"{vat} is not the shape of a {prefix} VAT number")
    return _ok(name, f"{prefix} VAT number")


def check_postal_code(postal_code: str, country: str) -> Check:
    name, code, country = "postal_code", postal_code.strip().upper(), country.strip().upper()
    if not code:
        return _fail(name, "a postal code is required")
    pattern = _POSTCODES.get(country)
    if pattern is None:
        return _ok(name, f"no format known for {country}: present")
    if pattern.fullmatch(code):
        return _ok(name, f"{country} postal code")
    return _fail(name, f"{code} is not a {country} postal code")


def check_return_address(address: object) -> list[Check]:
    """The country (ISO 3166-1 alpha-2) and, for countries whose postcodes we know, the postcode."""
    found = address if isinstance(address, Mapping) else {}
    missing = [k for k in ("line1", "city", "postal_code", "country") if not str(found.get(k, "")).strip()]
    if missing:
        return [_fail("return_address", f"missing {', '.join(missing)}")]
    country = str(found["country"]).strip()
    if country.upper() != country or country not in COUNTRIES:
        return [_fail("return_address.country", f"{country!r} is not an ISO 3166-1 alpha-2 code (e.g. US, DE)")]
    return [_ok("return_address.country", country), check_postal_code(str(found["postal_code"]), country)]


def iban_valid(iban: str) -> bool:
    """ISO 13616 mod 97: the first four characters moved to the end, letters as 10..35, leave 1."""
    text = _compact(iban)
    if not _IBAN_SHAPE.fullmatch(text):
        return False
    expected = _IBAN_LENGTH.get(text[:2])
    if expected is not None and len(text) != expected:
        return False
    digits = "".join(str(int(c, 36)) for c in text[4:] + text[:4])
    return int(digits) % 97 == 1


def check_bank_account(ref: str) -> Check:
    """An IBAN-shaped reference must be a valid IBAN; anything else is an opaque reference (a payout
    provider's account id), which only has to be there."""
    name, text = "bank_account_ref", ref.strip()
    if not text:
        return _fail(name, "a bank account reference is required")
    if _IBAN_SHAPE.fullmatch(_compact(text)):
        return _ok(name, "IBAN") if iban_valid(text) else _fail(name, "an IBAN whose check digits or length are wrong")
    return _ok(name, "an opaque account reference")


def check_documents(documents: object) -> Check:
    name = "documents"
    if not isinstance(documents, Sequence) or isinstance(documents, str) or not documents:
        return _fail(name, "at least one document is required")
    for n, doc in enumerate(documents):
        if not isinstance(doc, Mapping) or not str(doc.get("name", "")).strip():
            return _fail(name, f"documents[{n}] needs a name")
        if doc.get("kind") not in DOCUMENT_KINDS:
            return _fail(name, f"documents[{n}].kind must be one of {', '.join(sorted(DOCUMENT_KINDS))}")
    return _ok(name, f"{len(documents)} document(s)")


def document_kinds(profile: Mapping[str, object]) -> set[str]:
    docs = profile.get("documents")
    if not isinstance(docs, Sequence) or isinstance(docs, str):
        return set()
    return {str(d.get("kind")) for d in docs if isinstance(d, Mapping)}


def run_checks(profile: Mapping[str, object]) -> list[Check]:
    """Every automatic check of a submission, in the order REQUIREMENTS asks for them."""
    address = profile.get("return_address")
    country = str(address.get("country", "")) if isinstance(address, Mapping) else ""
    company = str(profile.get("company_name") or "").strip()
    return [
        _ok("company_name", company) if company else _fail("company_name", "a company name is required"),
        check_tax_id(str(profile.get("tax_id") or ""), country),
        *check_return_address(address),
        check_bank_account(str(profile.get("bank_account_ref") or "")),
        check_documents(profile.get("documents")),
        _ok("attestation") if profile.get("attestation") is True else _fail("attestation", "the seller must attest"),
    ]


@dataclass(frozen=True, slots=True)
class RiskRules:
    """When a seller whose checks all pass is approved without a person: its return country among
    ``allowed_countries``, the ``required_document_kinds`` given, not flagged by id or tax id. An
    operator tunes these (services/marketplace/onboarding.py keeps them); ``auto_approve`` off sends
    every seller to review."""

    auto_approve: bool = True
    allowed_countries: tuple[str, ...] = ("US", "CA", "GB", "DE", "FR", "NL", "BE", "AT", "IE", "ES", "IT")
    required_document_kinds: tuple[str, ...] = ("business_registration", "bank_statement")
    flagged_sellers: tuple[str, ...] = ()
    blocked_tax_ids: tuple[str, ...] = ()
    decision_reminder_days: int = 14  # a review case not decided by then is noted, and again each period


@dataclass(frozen=True, slots=True)
class Assessment:
    checks: tuple[Check, ...]
    reasons: tuple[str, ...]  # why a person must look; empty when it is approved on its own

    @property
    def auto_approve(self) -> bool:
        return not self.reasons


def assess(seller_id: str, profile: Mapping[str, object], rules: RiskRules) -> Assessment:
    checks = tuple(run_checks(profile))
    reasons = [f"{c.name}: {c.reason}" for c in checks if not c.passed]
    if not rules.auto_approve:
        reasons.append("automatic approval is off")
    address = profile.get("return_address")
    country = str(address.get("country", "")) if isinstance(address, Mapping) else ""
    if country not in rules.allowed_countries:
        reasons.append(f"country {country or '?'} is not among those approved automatically")
    absent = [k for k in rules.required_document_kinds if k not in document_kinds(profile)]
    if absent:
        reasons.append(f"documents missing for automatic approval: {', '.join(absent)}")
    if seller_id in rules.flagged_sellers:
        reasons.append("the seller is flagged")
    if _compact(str(profile.get("tax_id") or "")) in {_compact(t) for t in rules.blocked_tax_ids}:
        reasons.append("the tax id is on the blocked list")
    return Assessment(checks, tuple(reasons))
