"""Each governance rule on its own (pure: facts in, finding or none out), then ``evaluate``."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from overture.domain.rules import (
    BUILTIN,
    RULES,
    Action,
    AddressFacts,
    LineFacts,
    OrderFacts,
    Outcome,
    PriorOrder,
    RuleCode,
    RuleSettings,
    ScopedRules,
    evaluate,
    resolve,
    rule_for_exception,
)
from overture.domain.rules.destination import address_mismatch, embargo, state_code
from overture.domain.rules.lines import invalid_quantity, low_margin, price_mismatch, unknown_sku
from overture.domain.rules.parties import credit_limit, duplicate_order, payment_terms

D = Decimal
ON = RuleSettings()


def line(
    sku: str = "A",
    quantity: int = 1,
    price: str = "10",
    *,
    known: bool = True,
    cost: str | None = None,
    contract: str | None = None,
    line_no: int = 1,
) -> LineFacts:
    return LineFacts(
        line_no,
        sku,
        quantity,
        D(price),
        known=known,
        unit_cost=None if cost is None else D(cost),
        contract_price=None if contract is None else D(contract),
    )


def facts(*lines: LineFacts, **overrides: Any) -> OrderFacts:
    base: dict[str, Any] = {
        "channel": "web",
        "external_id": "1001",
        "customer_reference": "C-1",
        "partner_id": None,
        "currency": "USD",
        "total": D("20"),
        "lines": lines or (line(),),
        "ship_to": AddressFacts("US", "10001", "NY", "NY"),
    }
    return OrderFacts(**(base | overrides))


def account(**overrides: Any) -> OrderFacts:
    return facts(partner_id="ACME", customer_reference="ACME", **overrides)


# ---- unknown_sku ---------------------------------------------------------------------------


def test_unknown_sku_passes_when_every_sku_is_known() -> None:
    assert unknown_sku(facts(line("A"), line("B", line_no=2)), ON) is None


def test_unknown_sku_names_each_unknown_sku_once_in_order() -> None:
    finding = unknown_sku(facts(line("Z", known=False), line("A"), line("Z", known=False), line("M", known=False)), ON)
    assert finding is not None
    assert finding.reason == "unknown SKUs: M, Z"
    assert finding.details == {"unknown_skus": ["M", "Z"]}


# ---- invalid_quantity ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "max_quantity", "fails"),
    [(1, None, False), (0, None, True), (-3, None, True), (500, 500, False), (501, 500, True), (10**6, None, False)],
)
def test_invalid_quantity(quantity: int, max_quantity: int | None, fails: bool) -> None:
    finding = invalid_quantity(facts(line(quantity=quantity)), RuleSettings(max_quantity=max_quantity))
    assert (finding is not None) is fails
    if finding is not None:
        assert finding.details["lines"] == [{"line_no": 1, "sku": "A", "quantity": quantity}]


# ---- price_mismatch ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "contract", "tolerance", "fails"),
    [
        ("10", "10", "0", False),
        ("10.01", "10", "0", True),
        ("10.20", "10", "2", False),  # exactly at the tolerance
        ("10.21", "10", "2", True),
        ("9.79", "10", "2", True),  # below the contract counts too
        ("0", "0", "0", False),
        ("1", "0", "50", True),  # a free contract item sold for money: no percentage describes it
    ],
)
def test_price_mismatch(price: str, contract: str, tolerance: str, fails: bool) -> None:
    settings = RuleSettings(tolerance_pct=D(tolerance))
    assert (price_mismatch(facts(line(price=price, contract=contract)), settings) is not None) is fails


def test_price_mismatch_ignores_lines_without_a_contract_price_and_details_the_others() -> None:
    order = facts(line("A", price="12"), line("B", price="5.50", contract="5", line_no=2))
    finding = price_mismatch(order, RuleSettings(tolerance_pct=D("5")))
    assert finding is not None
    assert finding.details["lines"] == [
        {"line_no": 2, "sku": "B", "unit_price": "5.50", "contract_price": "5", "difference_pct": "10.00"}
    ]
    assert "more than 5.00%" in finding.reason


# ---- low_margin ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "cost", "minimum", "fails"),
    [
        ("10", None, "50", False),  # no cost known: nothing to judge
        ("10", "8", "20", False),  # exactly 20%
        ("10", "8.01", "20", True),
        ("10", "12", "0", True),  # sold below cost
        ("10", "12", "-25", False),  # a loss of 20% allowed by a negative minimum
        ("0", "1", "0", True),  # given away, but it costs us
        ("0", "0", "0", False),
    ],
)
def test_low_margin(price: str, cost: str | None, minimum: str, fails: bool) -> None:
    settings = RuleSettings(min_margin_pct=D(minimum))
    assert (low_margin(facts(line(price=price, cost=cost)), settings) is not None) is fails


# ---- credit_limit --------------------------------------------------------------------------


def test_credit_limit_holds_an_account_order_that_takes_open_orders_over_the_limit() -> None:
    limit = RuleSettings(credit_limit=D("100"))
    assert credit_limit(account(open_orders_total=D("80"), total=D("20")), limit) is None  # exactly at the limit
    finding = credit_limit(account(open_orders_total=D("80"), total=D("20.01")), limit)
    assert finding is not None
    assert finding.details["exposure"] == "100.01"
    assert "credit limit of 100" in finding.reason


def test_credit_limit_does_not_apply_to_card_orders_or_accounts_without_a_limit() -> None:
    assert credit_limit(facts(open_orders_total=D("1000")), RuleSettings(credit_limit=D("1"))) is None
    assert credit_limit(account(open_orders_total=D("1000")), RuleSettings()) is None
    assert credit_limit(account(open_orders_total=None), RuleSettings(credit_limit=D("1"))) is None


# ---- payment_terms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "terms_days", "fails"),
    [
        (account(), 30, False),
        (account(), None, True),  # buying on account without terms
        (account(), 0, True),
        (facts(), None, False),  # a card order whose channel says nothing of payment
        (facts(payment_status="paid"), None, False),
        (facts(payment_status="authorized"), None, False),
        (facts(payment_status="pending"), 30, True),  # terms are for accounts, not for card orders
        (facts(payment_status="unpaid"), None, True),
        (facts(payment_status="voided"), None, True),
    ],
)
def test_payment_terms(order: OrderFacts, terms_days: int | None, fails: bool) -> None:
    assert (payment_terms(order, RuleSettings(terms_days=terms_days)) is not None) is fails


# ---- duplicate_order -----------------------------------------------------------------------


def prior(matched_on: str = "po_number", *, reference: str = "ACME", partner_id: str | None = "ACME") -> PriorOrder:
    return PriorOrder("ord_1", "edi", "ACME:PO-1", reference, partner_id, matched_on)


@pytest.mark.parametrize(
    ("order", "candidates", "fails"),
    [
        (account(), None, False),  # not gathered
        (account(), (), False),
        (account(), (prior(),), True),
        (account(), (prior("external_id"),), True),
        (account(), (prior(partner_id="OTHER", reference="OTHER"),), False),  # another buyer's PO-1
        (account(), (prior("order_key"),), False),  # not an identifying kind here
        (facts(customer_reference="ACME"), (prior(),), True),  # same buyer through a channel without accounts
        (facts(customer_reference=""), (prior(reference=""),), False),  # two anonymous orders: a coincidence
    ],
)
def test_duplicate_order(order: OrderFacts, candidates: tuple[PriorOrder, ...] | None, fails: bool) -> None:
    finding = duplicate_order(replace(order, prior_orders=candidates), ON)
    assert (finding is not None) is fails
    if finding is not None:
        assert finding.details["duplicates"][0]["order_id"] == "ord_1"


# ---- embargo -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("skus", "countries", "reason"),
    [
        ({"B"}, set(), "embargoed product B"),
        ({"A", "B"}, set(), "embargoed products A, B"),
        (set(), {"IR", "US"}, "destination US is embargoed"),
        ({"B"}, {"US"}, "embargoed product B; destination US is embargoed"),
        ({"Z"}, {"IR"}, None),
    ],
)
def test_embargo(skus: set[str], countries: set[str], reason: str | None) -> None:
    settings = RuleSettings(skus=frozenset(skus), countries=frozenset(countries))
    finding = embargo(facts(line("A"), line("B", line_no=2)), settings)
    assert (finding.reason if finding else None) == reason


# ---- address_mismatch ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        (AddressFacts("US", "10001", "NY", "NY"), None),
        (AddressFacts("US", "10001-1234", "New York", "NY"), None),
        (AddressFacts("US", "10001", " new  york. ", "NY"), None),
        (AddressFacts("US", "10001", "", "NY"), None),  # no state given: nothing to contradict
        (AddressFacts("US", "90012", "NY", "CA"), "ZIP code 90012 is in CA, but the address says NY"),
        (AddressFacts("US", "00000", "NY", None), "unknown ZIP code '00000'"),
        (AddressFacts("US", "10001", "Narnia", "NY"), "region 'Narnia' is not a US state or territory"),
        (AddressFacts("PR", "00901", "", "PR"), None),
        (AddressFacts("PR", "10001", "", "NY"), "ZIP code 10001 is in NY, not in PR"),
        (AddressFacts("GB", "SW1A 1AA", "London", None), None),  # outside the ZIP system: not judged
    ],
)
def test_address_mismatch(address: AddressFacts, problem: str | None) -> None:
    finding = address_mismatch(facts(ship_to=address), ON)
    assert (finding.reason if finding else None) == problem


@pytest.mark.parametrize(
    ("region", "code"),
    [("NY", "NY"), ("ny", "NY"), ("New York", "NY"), ("district of columbia", "DC"), ("AE", "AE"), ("York", None)],
)
def test_state_code_reads_codes_and_names(region: str, code: str | None) -> None:
    assert state_code(region) == code


# ---- evaluate ------------------------------------------------------------------------------


def scoped(scope: str, version: int, **rules: RuleSettings) -> ScopedRules:
    return ScopedRules(scope, version, {RuleCode(code): settings for code, settings in rules.items()})


def test_out_of_the_box_only_the_catalogue_check_runs() -> None:
    (only,) = evaluate(resolve(), facts(line(known=False)))
    assert (only.rule, only.scope, only.version, only.outcome) == (RuleCode.UNKNOWN_SKU, "builtin", 0, Outcome.HOLD)
    assert only.inputs == {"skus": ["A"], "lines": 1}


def test_each_evaluation_says_rule_version_outcome_reason_and_inputs() -> None:
    rule_set = resolve(
        default=scoped("default", 3, embargo=RuleSettings(action=Action.REJECT, countries=frozenset({"US"}))),
        channel=scoped("channel:web", 2, price_mismatch=RuleSettings(tolerance_pct=D("1"))),
    )
    order = facts(line(price="11", contract="10"))

    by_rule = {e.rule: e for e in evaluate(rule_set, order)}

    assert list(by_rule) == [RuleCode.UNKNOWN_SKU, RuleCode.EMBARGO, RuleCode.PRICE_MISMATCH]
    assert (by_rule[RuleCode.UNKNOWN_SKU].outcome, by_rule[RuleCode.UNKNOWN_SKU].reason) == (
        Outcome.PASS,
        RULES[RuleCode.UNKNOWN_SKU].passed,
    )
    embargoed = by_rule[RuleCode.EMBARGO]
    assert (embargoed.scope, embargoed.version, embargoed.outcome) == ("default", 3, Outcome.REJECT)
    assert embargoed.inputs["embargoed_countries"] == ["US"]
    priced = by_rule[RuleCode.PRICE_MISMATCH]
    assert (priced.scope, priced.version, priced.outcome) == ("channel:web", 2, Outcome.HOLD)
    assert priced.details["lines"][0]["difference_pct"] == "10.00"


def test_a_waived_rule_is_still_evaluated_and_recorded_but_stops_nothing() -> None:
    rule_set = resolve(default=scoped("default", 1, low_margin=RuleSettings(min_margin_pct=D("10"))))
    (_, margin) = evaluate(rule_set, facts(line(price="10", cost="9.5")), waived={RuleCode.LOW_MARGIN})
    assert (margin.outcome, margin.failed) == (Outcome.WAIVED, False)
    assert "margin below 10.00%" in margin.reason


def test_a_disabled_rule_is_not_evaluated() -> None:
    rule_set = resolve(default=scoped("default", 1, unknown_sku=RuleSettings(enabled=False)))
    assert evaluate(rule_set, facts(line(known=False))) == []


def test_every_rule_has_its_own_exception_type_and_reads_only_real_settings() -> None:
    assert set(RULES) == set(RuleCode) == set(BUILTIN.rules)
    for code, rule in RULES.items():
        assert rule_for_exception(rule.exception) is code
        assert all(hasattr(ON, name) for name in rule.parameters)
