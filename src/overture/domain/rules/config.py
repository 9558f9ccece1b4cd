"""Rule configuration: versioned rule sets per scope, and which one decides each rule.

Scopes, from least to most specific: ``builtin`` (shipped: only ``unknown_sku`` on, holding),
``default``, ``channel:<name>``, ``partner:<id>``. For each rule, the most specific scope that
configures it decides all of its settings (enabled, action, thresholds); a scope that does not
mention a rule leaves it to the scopes below. Settings are never merged field by field, so what
a scope says about a rule is the whole truth about it, and each evaluation can name the one
scope and version its settings came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from overture.domain.rules.model import RuleCode, RuleSettings

BUILTIN_SCOPE = "builtin"
DEFAULT_SCOPE = "default"
_PREFIXES = ("channel:", "partner:")
MAX_SCOPE_LENGTH = 128


class InvalidScope(ValueError):
    def __init__(self, scope: str) -> None:
        super().__init__(f"scope {scope!r} must be 'default', 'channel:<name>' or 'partner:<id>'")
        self.scope = scope


def channel_scope(channel: str) -> str:
    return f"channel:{channel}"


def partner_scope(partner_id: str) -> str:
    return f"partner:{partner_id}"


def check_scope(scope: str) -> str:
    """Return the scope if it is one a rule set can be stored under; raise InvalidScope if not."""
    if scope == DEFAULT_SCOPE:
        return scope
    prefix = next((p for p in _PREFIXES if scope.startswith(p)), None)
    name = scope[len(prefix) :] if prefix else ""
    if not name or name != name.strip() or len(scope) > MAX_SCOPE_LENGTH:
        raise InvalidScope(scope)
    return scope


@dataclass(frozen=True, slots=True)
class ScopedRules:
    """One stored version of one scope's rule set."""

    scope: str
    version: int
    rules: Mapping[RuleCode, RuleSettings]
    note: str = ""
    created_at: datetime | None = None


# Out of the box only the catalogue check runs (as capture always did); every other rule is
# switched on by configuration, because each one needs thresholds or data only the business has.
BUILTIN = ScopedRules(BUILTIN_SCOPE, 0, {code: RuleSettings(enabled=code is RuleCode.UNKNOWN_SKU) for code in RuleCode})


@dataclass(frozen=True, slots=True)
class ConfiguredRule:
    """A rule's effective settings, and the scope and version they came from."""

    code: RuleCode
    settings: RuleSettings
    scope: str
    version: int


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The effective configuration of every rule for one order, in evaluation order."""

    rules: tuple[ConfiguredRule, ...]

    def get(self, code: RuleCode) -> ConfiguredRule:
        return next(r for r in self.rules if r.code is code)

    def is_enabled(self, code: RuleCode) -> bool:
        return self.get(code).settings.enabled

    def enabled(self) -> list[ConfiguredRule]:
        return [r for r in self.rules if r.settings.enabled]

    def sources(self) -> dict[str, int]:
        """Every scope that decided at least one enabled rule, with the version used."""
        return {r.scope: r.version for r in self.enabled()}


def resolve(
    *,
    default: ScopedRules | None = None,
    channel: ScopedRules | None = None,
    partner: ScopedRules | None = None,
) -> RuleSet:
    """The effective rule set: partner overrides channel overrides default overrides builtin."""
    layers = [layer for layer in (partner, channel, default, BUILTIN) if layer is not None]
    return RuleSet(tuple(_decide(code, layers) for code in RuleCode))


def _decide(code: RuleCode, most_specific_first: list[ScopedRules]) -> ConfiguredRule:
    layer = next(layer for layer in most_specific_first if code in layer.rules)
    return ConfiguredRule(code, layer.rules[code], layer.scope, layer.version)
