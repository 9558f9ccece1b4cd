"""Which scope decides each rule (partner over channel over default over builtin), scope names,
and the stored JSON of a rule's settings."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from overture.domain.rules import (
    BUILTIN,
    RULES,
    Action,
    InvalidScope,
    RuleCode,
    RuleSettings,
    ScopedRules,
    check_scope,
    resolve,
)
from overture.domain.rules.documents import settings_document, settings_from_document

C = RuleCode
LAYERS = ("default", "channel:web", "partner:ACME")


def scoped(scope: str, version: int, *codes: RuleCode) -> ScopedRules:
    return ScopedRules(scope, version, {code: RuleSettings(action=Action.REJECT) for code in codes})


@pytest.mark.parametrize(
    ("default", "channel", "partner", "expected"),
    [
        # Which layers configure price_mismatch -> the scope that decides it.
        ((), (), (), "builtin"),
        ((C.PRICE_MISMATCH,), (), (), "default"),
        ((C.PRICE_MISMATCH,), (C.PRICE_MISMATCH,), (), "channel:web"),
        ((C.PRICE_MISMATCH,), (), (C.PRICE_MISMATCH,), "partner:ACME"),
        ((C.PRICE_MISMATCH,), (C.PRICE_MISMATCH,), (C.PRICE_MISMATCH,), "partner:ACME"),
        ((), (C.PRICE_MISMATCH,), (C.EMBARGO,), "channel:web"),  # the partner says nothing of it
    ],
)
def test_the_most_specific_scope_that_configures_a_rule_decides_it(
    default: tuple[RuleCode, ...], channel: tuple[RuleCode, ...], partner: tuple[RuleCode, ...], expected: str
) -> None:
    rule_set = resolve(
        default=scoped("default", 4, *default),
        channel=scoped("channel:web", 2, *channel),
        partner=scoped("partner:ACME", 7, *partner),
    )
    decided = rule_set.get(C.PRICE_MISMATCH)
    assert decided.scope == expected
    assert decided.version == {"builtin": 0, "default": 4, "channel:web": 2, "partner:ACME": 7}[expected]


def test_a_rule_is_taken_whole_from_one_scope_never_merged_field_by_field() -> None:
    channel = ScopedRules("channel:web", 1, {C.PRICE_MISMATCH: RuleSettings(action=Action.REJECT)})
    partner = ScopedRules("partner:ACME", 1, {C.PRICE_MISMATCH: RuleSettings(tolerance_pct=Decimal("3"))})
    decided = resolve(channel=channel, partner=partner).get(C.PRICE_MISMATCH).settings
    assert (decided.action, decided.tolerance_pct) == (Action.HOLD, Decimal("3"))


def test_sources_name_the_scopes_and_versions_of_the_enabled_rules() -> None:
    off = ScopedRules("channel:web", 5, {C.EMBARGO: RuleSettings(enabled=False)})
    rule_set = resolve(default=scoped("default", 2, C.EMBARGO, C.LOW_MARGIN), channel=off)
    assert rule_set.sources() == {"builtin": 0, "default": 2}
    assert [r.code for r in rule_set.enabled()] == [C.UNKNOWN_SKU, C.LOW_MARGIN]


settings_strategy = st.builds(RuleSettings, enabled=st.booleans(), action=st.sampled_from(Action))
layer_strategy = st.dictionaries(st.sampled_from(RuleCode), settings_strategy, max_size=len(RuleCode))


@given(
    default=layer_strategy,
    channel=layer_strategy,
    partner=layer_strategy,
    present=st.lists(st.booleans(), min_size=3, max_size=3),
)
def test_precedence_holds_for_any_configuration(
    default: dict[RuleCode, RuleSettings],
    channel: dict[RuleCode, RuleSettings],
    partner: dict[RuleCode, RuleSettings],
    present: list[bool],
) -> None:
    layers = [
        ScopedRules(scope, n + 1, rules) if stored else None
        for n, (scope, rules, stored) in enumerate(zip(LAYERS, (default, channel, partner), present, strict=True))
    ]
    rule_set = resolve(default=layers[0], channel=layers[1], partner=layers[2])

    assert [r.code for r in rule_set.rules] == list(RuleCode)
    for decided in rule_set.rules:
        most_specific_first = [layer for layer in reversed(layers) if layer is not None] + [BUILTIN]
        expected = next(layer for layer in most_specific_first if decided.code in layer.rules)
        assert (decided.scope, decided.version) == (expected.scope, expected.version)
        assert decided.settings is expected.rules[decided.code]


@pytest.mark.parametrize("scope", ["default", "channel:web", "channel:shopify", "partner:ACME", "partner:a b"])
def test_valid_scopes(scope: str) -> None:
    assert check_scope(scope) == scope


@pytest.mark.parametrize("scope", ["", "builtin", "Default", "channel:", "partner: ACME", "store:1", "x" * 129])
def test_invalid_scopes(scope: str) -> None:
    with pytest.raises(InvalidScope):
        check_scope(scope)


@pytest.mark.parametrize(
    ("code", "settings"),
    [
        (C.UNKNOWN_SKU, RuleSettings(enabled=False)),
        (C.INVALID_QUANTITY, RuleSettings(max_quantity=500)),
        (C.DUPLICATE_ORDER, RuleSettings(action=Action.REJECT, reference_kinds=frozenset({"po_number", "order_key"}))),
        (C.EMBARGO, RuleSettings(skus=frozenset({"B", "A"}), countries=frozenset({"KP"}))),
        (C.PRICE_MISMATCH, RuleSettings(tolerance_pct=Decimal("2.5"))),
        (C.LOW_MARGIN, RuleSettings(min_margin_pct=Decimal("-5"))),
        (C.CREDIT_LIMIT, RuleSettings(credit_limit=Decimal("50000.00"))),
        (C.CREDIT_LIMIT, RuleSettings()),
        (C.PAYMENT_TERMS, RuleSettings(terms_days=30)),
    ],
)
def test_stored_json_holds_each_rules_own_settings_and_reads_back_the_same(
    code: RuleCode, settings: RuleSettings
) -> None:
    stored = settings_document(code, settings)
    assert set(stored) == {"enabled", "action", *_parameters(code)}
    assert settings_from_document(stored) == settings


def _parameters(code: RuleCode) -> tuple[str, ...]:
    return RULES[code].parameters
