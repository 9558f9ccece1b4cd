"""Writing and reading every order's search text (the table and its indexes: store/tables/search.py).

A term of three characters or more matches any part of any field: ``LIKE '%term%'`` on PostgreSQL,
``GLOB '*term*'`` on SQLite, each answered by the database's trigram index. A shorter term matches a
whole order id or channel order id only, since no trigram index can narrow it and reading every
order's text is not a search. Matches come newest first (search rows follow capture order).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Select, bindparam, insert, literal_column, select, text, update

from overture.domain.orders import Order
from overture.store.tables import order_search, orders

INSERT_SEARCH = insert(order_search)
APPEND_SEARCH = (
    update(order_search)
    .where(order_search.c.order_id == bindparam("b_order_id"))
    .values(text=order_search.c.text + "\n" + bindparam("b_words"))
)
TRIGRAM = 3  # the shortest term a trigram index can narrow
# A term matching more orders than this searches the newest this many of them (and the list says
# "more than 10,000"): a broad term costs a bounded time, and a person narrows it rather than page on.
SEARCHED = 10_001


def search_text(order: Order, references: Iterable[str] = ()) -> str:
    """The order's searchable fields, lower-cased, one per line (migration 0020 builds the same in SQL)."""
    customer, ship_to = order.customer, order.ship_to
    ids = [order.id, order.external_id, customer.reference]
    return joined_fields(
        [*ids, customer.name, customer.email, ship_to.name, ship_to.postal_code, ship_to.city, *references]
    )


def joined_fields(fields: Iterable[str | None]) -> str:
    """Fields as the search text keeps them: lower-cased, one per line, empty ones left out."""
    return "\n".join(f for f in fields if f).lower()


def append_words(c: Connection, order_id: str, *words: str | None) -> None:
    """A reference or tracking number that arrived after the order: searchable from now on."""
    kept = joined_fields(words)
    if kept:
        c.execute(APPEND_SEARCH, {"b_order_id": order_id, "b_words": kept})


def glob_pattern(term: str) -> str:
    """``*term*`` with GLOB's own wildcards taken literally (each in brackets). SQLite's FTS5 answers GLOB
    from its trigram index, but not a LIKE with an ESCAPE clause, which it scans every row for."""
    escaped = "".join(f"[{ch}]" if ch in "*?[]" else ch for ch in term.lower())
    return f"*{escaped}*"


def like_pattern(term: str) -> str:
    """``%term%`` with LIKE's own wildcards in the term taken literally (escape character ``\\``)."""
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matching_order_ids(c: Connection, term: str) -> Select[Any]:
    """A query of the ids of the newest ``SEARCHED`` orders whose search text contains ``term``."""
    term = term.strip()
    if len(term) < TRIGRAM:
        return _whole_field(term)
    if c.dialect.name == "sqlite":
        # The FTS5 trigram table answers GLOB itself (the text is lower-cased); its rowids are order_search's.
        fts = text(
            "SELECT rowid FROM order_search_fts WHERE text GLOB :b_pattern ORDER BY rowid DESC LIMIT :b_cap"
        ).bindparams(b_pattern=glob_pattern(term), b_cap=SEARCHED)
        return select(order_search.c.order_id).where(order_search.c.id.in_(fts.columns(literal_column("rowid"))))
    return (
        select(order_search.c.order_id)
        .where(order_search.c.text.like(like_pattern(term), escape="\\"))
        .order_by(order_search.c.id.desc())
        .limit(SEARCHED)
    )


def _whole_field(term: str) -> Select[Any]:
    # Two characters find an order only by a field equal to them (an id, a reference): through the indexes
    # of orders, never by reading every search text.
    return (
        select(orders.c.id.label("order_id"))
        .where((orders.c.id == term) | (orders.c.external_id == term))
        .order_by(orders.c.id.desc())
    )
