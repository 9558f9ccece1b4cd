"""A partner's CSV profile says what is wrong with it before any file is read with it."""

from __future__ import annotations

import pytest

from overture.channels.csv_fields import default_problems
from overture.domain.csv_profiles import CsvProfile
from tests.channels.csv_files import acme, acme_csv


def settings_with_problems(profile: CsvProfile) -> list[str]:
    return [p.setting for p in profile.problems()]


def test_a_complete_profile_has_no_problems() -> None:
    assert acme_csv().problems() == []
    assert default_problems(acme_csv(), acme()) == []


def test_required_fields_must_be_mapped_or_defaulted() -> None:
    columns = {k: v for k, v in acme_csv().columns.items() if k not in ("sku", "ship_to.country")}

    assert settings_with_problems(acme_csv(columns=columns)) == ["columns.sku", "columns.ship_to.country"]
    # A default does not stand in for a line field: the item must come from each row.
    defaulted = acme_csv(columns=columns, defaults={"sku": "X", "ship_to.country": "US"})
    assert settings_with_problems(defaulted) == ["columns.sku", "defaults.sku"]
    assert settings_with_problems(acme_csv(columns=columns | {"sku": "Item"}, defaults={"ship_to.country": "US"})) == []


def test_unknown_fields_empty_headers_and_constant_line_fields_are_refused() -> None:
    profile = acme_csv(
        columns=acme_csv().columns | {"colour": "Colour", "ship_to.line2": " "},
        defaults={"quantity": "1", "flavour": "x"},
    )
    assert settings_with_problems(profile) == [
        "columns.colour",
        "columns.ship_to.line2",
        "defaults.quantity",
        "defaults.flavour",
    ]


@pytest.mark.parametrize(
    ("changes", "setting"),
    [
        ({"delimiter": ";;"}, "delimiter"),
        ({"delimiter": '"'}, "delimiter"),
        ({"decimal_separator": "'"}, "decimal_separator"),
        ({"date_format": "%m/%Y"}, "date_format"),  # no day: cannot read back the day it wrote
        ({"date_format": "MM/DD/YYYY"}, "date_format"),
        ({"encoding": "klingon-8"}, "encoding"),
    ],
)
def test_dialect_settings_are_checked(changes: dict[str, str], setting: str) -> None:
    assert settings_with_problems(acme_csv(**changes)) == [setting]


def test_defaults_are_read_like_the_cells_they_stand_for() -> None:
    profile = acme_csv(defaults={"ship_to.country": "USA", "uom": "BX", "currency": "usd"})
    assert [p.setting for p in default_problems(profile, acme())] == ["defaults.ship_to.country", "defaults.uom"]
