"""GET /v1/sellers/{seller_id}/statements over the real app, on both stores: the same statement as
JSON, CSV and PDF, bad days refused naming the field, an unknown seller 404, and operators only."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container
from overture.domain.access import Role
from overture.services.access import create_key
from tests.services.marketplace.accounts import NOV_CLOSING, OCT_CLOSING, PAYOUT, SELLER, seed_account

NOVEMBER = f"/v1/sellers/{SELLER}/statements?from=2026-11-01&to=2026-12-01"


@pytest.fixture
def seeded(container: Container, client: TestClient) -> TestClient:
    seed_account(container)
    return client


def test_json_has_the_balances_totals_entries_and_payouts(seeded: TestClient) -> None:
    answer = seeded.get(NOVEMBER)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["opening"] == {"amount": "133.99", "amount_minor": OCT_CLOSING}
    assert body["closing"] == {"amount": "-2.50", "amount_minor": NOV_CLOSING}
    assert body["start"] == "2026-11-01T00:00:00+00:00" and body["end"] == "2026-12-01T00:00:00+00:00"
    assert body["totals"]["PAYOUT"] == {"amount": "-107.45", "amount_minor": -PAYOUT}
    assert body["entries"][-1]["balance"]["amount_minor"] == NOV_CLOSING
    assert [p["amount_minor"] for p in body["payouts"]] == [PAYOUT]
    assert body["other_currencies"] == ["EUR"]
    euros = seeded.get(NOVEMBER + "&currency=eur").json()
    assert (euros["currency"], euros["closing"]["amount"]) == ("EUR", "30.00")


def test_csv_and_pdf_are_files_of_the_same_statement(seeded: TestClient) -> None:
    as_csv = seeded.get(NOVEMBER + "&format=csv")
    assert as_csv.status_code == 200 and as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="statement-acme-2026-11-01-2026-12-01.csv"' in as_csv.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert Decimal(rows[-1]["balance"]) == Decimal("-2.50")
    as_pdf = seeded.get(NOVEMBER + "&format=pdf")
    assert as_pdf.status_code == 200 and as_pdf.headers["content-type"] == "application/pdf"
    assert as_pdf.content.startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-11-31&to=2026-12-01", "from"),
        ("from=01/11/2026&to=2026-12-01", "from"),
        ("from=2026-11-01&to=2026-12", "to"),
        ("from=2026-11-01&to=2026-11-01", "to"),
        ("from=2026-12-01&to=2026-11-01", "to"),
    ],
)
def test_a_bad_day_is_refused_naming_the_field(seeded: TestClient, query: str, field: str) -> None:
    answer = seeded.get(f"/v1/sellers/{SELLER}/statements?{query}")
    assert answer.status_code == 422, answer.text
    assert [f["field"] for f in answer.json()["error"]["fields"]] == [field]


def test_a_missing_day_or_unknown_format_is_refused_naming_it(seeded: TestClient) -> None:
    missing = seeded.get(f"/v1/sellers/{SELLER}/statements?from=2026-11-01")
    assert missing.status_code == 422 and "to" in missing.json()["error"]["fields"][0]["field"]
    odd = seeded.get(NOVEMBER + "&format=xlsx")
    assert odd.status_code == 422 and "format" in odd.json()["error"]["fields"][0]["field"]


def test_an_unknown_seller_is_404(seeded: TestClient) -> None:
    assert seeded.get("/v1/sellers/nobody/statements?from=2026-11-01&to=2026-12-01").status_code == 404


@pytest.fixture
def secured(auth_container: Container) -> Iterator[TestClient]:
    seed_account(auth_container)
    with TestClient(create_app(auth_container)) as client:
        yield client


@pytest.mark.auth
def test_operators_and_admins_only(secured: TestClient, auth_container: Container) -> None:
    def status(role: Role) -> int:
        token = create_key(auth_container.uow, auth_container.clock, role=role, name=role.value).token
        return secured.get(NOVEMBER, headers={"Authorization": f"Bearer {token}"}).status_code

    assert secured.get(NOVEMBER).status_code == 401
    assert (status(Role.VIEWER), status(Role.OPERATOR), status(Role.ADMIN)) == (403, 200, 200)
