"""The onboarding checks on their own: tax ids by country, IBAN check digits, postcodes, documents, and
the risk rules that decide whether a person must look."""

from __future__ import annotations

import pytest

from overture.domain.marketplace.onboarding import (
    RiskRules,
    assess,
    check_bank_account,
    check_documents,
    check_postal_code,
    check_return_address,
    check_tax_id,
    iban_valid,
    run_checks,
)


def good_profile(**changes: object) -> dict[str, object]:
    profile: dict[str, object] = {
        "company_name": "Acme Goods GmbH",
        "tax_id": "DE 123 456 789",
        "return_address": {"line1": "Hauptstr. 1", "city": "Berlin", "postal_code": "10115", "country": "DE"},
        "bank_account_ref": "DE89 3704 0044 0532 0130 00",
        "documents": [
            {"name": "Handelsregister.pdf", "kind": "business_registration"},
            {"name": "Kontoauszug.pdf", "kind": "bank_statement"},
        ],
        "attestation": True,
    }
    return profile | changes


@pytest.mark.parametrize(
    ("tax_id", "country"),
    [
        ("12-3456789", "US"),
        ("GB123456789", "GB"),
        ("GB 123 4567 89 012", "GB"),
        ("GBGD001", "GB"),
        ("DE123456789", "DE"),
        ("FR 4A 123456789", "FR"),
        ("EL123456789", "GR"),  # Greece's VAT prefix is EL
        ("NL123456789B01", "NL"),
        ("ATU12345678", "AT"),
        ("anything at all", "JP"),  # no format known: present is enough
    ],
)
def test_good_tax_ids_pass(tax_id: str, country: str) -> None:
    assert check_tax_id(tax_id, country).passed


@pytest.mark.parametrize(
    ("tax_id", "country", "says"),
    [
        ("123456789", "US", "NN-NNNNNNN"),
        ("12-345678", "US", "NN-NNNNNNN"),
        ("GB12345678", "GB", "GB VAT"),
        ("123456789", "DE", "starts with DE"),  # the prefix is required
        ("FR123456789", "DE", "starts with DE"),  # another state's number
        ("DE12345678", "DE", "shape"),  # one digit short
        ("GR123456789", "GR", "starts with EL"),
        ("NL123456789", "NL", "shape"),
        ("  ", "JP", "required"),
    ],
)
def test_bad_tax_ids_fail_with_a_reason(tax_id: str, country: str, says: str) -> None:
    check = check_tax_id(tax_id, country)
    assert not check.passed and says in check.reason and check.name == "tax_id"


def test_iban_check_digits() -> None:
    assert iban_valid("DE89 3704 0044 0532 0130 00")
    assert iban_valid("GB82WEST12345698765432")
    assert iban_valid("fr14 2004 1010 0505 0001 3m02 606")  # case and spaces do not matter
    assert not iban_valid("DE88 3704 0044 0532 0130 00")  # check digits off by one
    assert not iban_valid("DE89 3704 0044 0532 0130 01")  # a digit of the account changed
    assert not iban_valid("DE89 3704 0044 0532 0130 0")  # too short for Germany


def test_bank_account_refs() -> None:
    assert check_bank_account("GB82 WEST 1234 5698 7654 32").reason == "IBAN"
    bad = check_bank_account("GB00 WEST 1234 5698 7654 32")
    assert not bad.passed and "check digits" in bad.reason
    assert check_bank_account("acct_1NXa2k").reason == "an opaque account reference"
    assert not check_bank_account(" ").passed


@pytest.mark.parametrize(
    ("code", "country", "ok"),
    [
        ("94105", "US", True),
        ("94105-1234", "US", True),
        ("9410", "US", False),
        ("K1A 0B1", "CA", True),
        ("K1A0B1", "CA", True),
        ("D1A 0B1", "CA", False),  # no D in a Canadian postcode
        ("SW1A 1AA", "GB", True),
        ("M1 1AE", "GB", True),
        ("SW1A 1A", "GB", False),
        ("10115", "DE", True),
        ("1011", "DE", False),
        ("75008", "FR", True),
        ("7500A", "FR", False),
        ("100-0001", "JP", True),  # no format known: present is enough
    ],
)
def test_postcodes(code: str, country: str, ok: bool) -> None:
    assert check_postal_code(code, country).passed is ok


def test_return_address_country_is_iso_alpha_2() -> None:
    address = {"line1": "1 Main St", "city": "Springfield", "postal_code": "62701"}
    assert [c.passed for c in check_return_address(address | {"country": "US"})] == [True, True]
    (bad,) = check_return_address(address | {"country": "XX"})
    assert bad.name == "return_address.country" and not bad.passed
    (lower,) = check_return_address(address | {"country": "us"})
    assert not lower.passed
    (missing,) = check_return_address({"line1": "1 Main St", "country": "US"})
    assert "city" in missing.reason and "postal_code" in missing.reason


def test_documents_need_a_known_kind() -> None:
    assert check_documents([{"name": "reg.pdf", "kind": "business_registration"}]).passed
    assert not check_documents([]).passed
    assert "kind" in check_documents([{"name": "selfie.jpg", "kind": "selfie"}]).reason
    assert "name" in check_documents([{"name": "", "kind": "id_document"}]).reason


def test_every_check_of_a_good_profile_passes_and_it_is_approved_on_its_own() -> None:
    checks = run_checks(good_profile())
    assert [c.name for c in checks] == [
        "company_name",
        "tax_id",
        "return_address.country",
        "postal_code",
        "bank_account_ref",
        "documents",
        "attestation",
    ]
    assert all(c.passed for c in checks)
    assert assess("acme", good_profile(), RiskRules()).auto_approve


def test_the_risk_rules_send_a_seller_to_review_and_say_why() -> None:
    rules = RiskRules(flagged_sellers=("shady",), blocked_tax_ids=("DE999999999",))
    assert assess("shady", good_profile(), rules).reasons == ("the seller is flagged",)
    assert assess("acme", good_profile(tax_id="DE 999 999 999"), rules).reasons == (
        "the tax id is on the blocked list",
    )
    abroad = good_profile(
        tax_id="n/a",
        return_address={"line1": "1 Rd", "city": "Lagos", "postal_code": "100001", "country": "NG"},
    )
    assert assess("far", abroad, rules).reasons == ("country NG is not among those approved automatically",)
    one_doc = good_profile(documents=[{"name": "reg.pdf", "kind": "business_registration"}])
    assert assess("acme", one_doc, rules).reasons == ("documents missing for automatic approval: bank_statement",)
    bad_iban = assess("acme", good_profile(bank_account_ref="DE00370400440532013000"), rules)
    assert not bad_iban.auto_approve and bad_iban.reasons[0].startswith("bank_account_ref:")
    assert assess("acme", good_profile(), RiskRules(auto_approve=False)).reasons == ("automatic approval is off",)
