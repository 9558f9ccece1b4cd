"""Rules on the order's lines: catalogue, quantities, prices and margins."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from overture.domain.rules.model import Finding, LineFacts, OrderFacts, RuleSettings

HUNDRED = Decimal(100)
_PCT = Decimal("0.01")


def pct(value: Decimal) -> str:
    """A percentage as it is shown to people: two decimals."""
    return str(value.quantize(_PCT, rounding=ROUND_HALF_EVEN))


def _plural(items: list[str], noun: str) -> str:
    return f"{noun}{'s' if len(items) > 1 else ''}: {', '.join(items)}"


# ---- unknown_sku ---------------------------------------------------------------------------


def unknown_sku(facts: OrderFacts, _: RuleSettings) -> Finding | None:
    """Every SKU must be in our catalogue (after the partner's cross-reference)."""
    unknown = sorted({line.sku for line in facts.lines if not line.known})
    if not unknown:
        return None
    # Reason and details as capture has always written them: operators and tests read them.
    return Finding(_plural(unknown, "unknown SKU"), {"unknown_skus": unknown})


def unknown_sku_inputs(facts: OrderFacts, _: RuleSettings) -> dict[str, Any]:
    return {"skus": sorted({line.sku for line in facts.lines}), "lines": len(facts.lines)}


# ---- invalid_quantity ----------------------------------------------------------------------


def invalid_quantity(facts: OrderFacts, settings: RuleSettings) -> Finding | None:
    """Each line asks for a positive whole number of units, and no more than ``max_quantity``."""
    limit = settings.max_quantity
    bad = [line for line in facts.lines if line.quantity <= 0 or (limit is not None and line.quantity > limit)]
    if not bad:
        return None
    described = [f"line {line.line_no} asks for {line.quantity} {line.sku}" for line in bad]
    bound = f" (at most {limit} a line)" if limit is not None else ""
    details = {"lines": [{"line_no": x.line_no, "sku": x.sku, "quantity": x.quantity} for x in bad]}
    return Finding(f"quantity out of range{bound}: {'; '.join(described)}", {**details, "max_quantity": limit})


def quantity_inputs(facts: OrderFacts, settings: RuleSettings) -> dict[str, Any]:
    return {"quantities": [line.quantity for line in facts.lines], "max_quantity": settings.max_quantity}


# ---- price_mismatch ------------------------------------------------------------------------


def price_difference_pct(price: Decimal, contract: Decimal) -> Decimal | None:
    """How far a price is from the contract price, in percent of it; None when the contract is free
    (then any price but zero is a mismatch, and no percentage describes it)."""
    if contract == 0:
        return None if price != 0 else Decimal(0)
    return abs(price - contract) / contract * HUNDRED


def _off_contract(line: LineFacts, tolerance: Decimal) -> bool:
    if line.contract_price is None:
        return False
    difference = price_difference_pct(line.unit_price, line.contract_price)
    return difference is None or difference > tolerance


def price_mismatch(facts: OrderFacts, settings: RuleSettings) -> Finding | None:
    """A line with a contract price must be within ``tolerance_pct`` of it."""
    tolerance = settings.tolerance_pct
    return _lines_flagged(
        [line for line in facts.lines if _off_contract(line, tolerance)],
        f"price differs from the contract by more than {pct(tolerance)}%",
        lambda x: f"{x.sku} at {x.unit_price} against contract {x.contract_price}",
        _price_line,
        tolerance_pct=tolerance,
    )


def _lines_flagged(
    bad: list[LineFacts],
    why: str,
    describe: Callable[[LineFacts], str],
    line_json: Callable[[LineFacts], dict[str, Any]],
    **threshold: Decimal,
) -> Finding | None:
    """The finding of a rule that flags lines: why, each line described, and the threshold it used."""
    if not bad:
        return None
    reason = f"{why}: {'; '.join(map(describe, bad))}"
    return Finding(reason, {"lines": [line_json(x) for x in bad], **{k: str(v) for k, v in threshold.items()}})


def _price_line(line: LineFacts) -> dict[str, Any]:
    assert line.contract_price is not None
    difference = price_difference_pct(line.unit_price, line.contract_price)
    return _line_json(line, ("contract_price", line.contract_price), ("difference_pct", difference))


def _line_json(line: LineFacts, against: tuple[str, Decimal], measured: tuple[str, Decimal | None]) -> dict[str, Any]:
    """A flagged line for the finding: its price, what it was held against, and the percentage measured."""
    (against_name, against_value), (measure_name, measure) = against, measured
    return {
        "line_no": line.line_no,
        "sku": line.sku,
        "unit_price": str(line.unit_price),
        against_name: str(against_value),
        measure_name: None if measure is None else pct(measure),
    }


def price_inputs(facts: OrderFacts, settings: RuleSettings) -> dict[str, Any]:
    priced = [_price_line(line) for line in facts.lines if line.contract_price is not None]
    return {"contract_lines": priced, "lines": len(facts.lines), "tolerance_pct": str(settings.tolerance_pct)}


# ---- low_margin ----------------------------------------------------------------------------


def margin_pct(price: Decimal, cost: Decimal) -> Decimal | None:
    """Gross margin in percent of the price; None for a line given away (no price to divide by)."""
    if price == 0:
        return None
    return (price - cost) / price * HUNDRED


def _below_margin(line: LineFacts, minimum: Decimal) -> bool:
    if line.unit_cost is None:
        return False
    margin = margin_pct(line.unit_price, line.unit_cost)
    # A free line with a cost loses money whatever the minimum; a free line costing nothing does not.
    return line.unit_cost > 0 if margin is None else margin < minimum


def low_margin(facts: OrderFacts, settings: RuleSettings) -> Finding | None:
    """A line whose SKU has a known cost must earn at least ``min_margin_pct`` of its price."""
    minimum = settings.min_margin_pct
    return _lines_flagged(
        [line for line in facts.lines if _below_margin(line, minimum)],
        f"margin below {pct(minimum)}%",
        lambda x: f"{x.sku} at {x.unit_price} costing {x.unit_cost}",
        _margin_line,
        min_margin_pct=minimum,
    )


def _margin_line(line: LineFacts) -> dict[str, Any]:
    assert line.unit_cost is not None
    return _line_json(line, ("unit_cost", line.unit_cost), ("margin_pct", margin_pct(line.unit_price, line.unit_cost)))


def margin_inputs(facts: OrderFacts, settings: RuleSettings) -> dict[str, Any]:
    costed = [_margin_line(line) for line in facts.lines if line.unit_cost is not None]
    return {"costed_lines": costed, "lines": len(facts.lines), "min_margin_pct": str(settings.min_margin_pct)}
