"""The largest numbers a request may carry, so that every value taken fits the column that keeps it.

PostgreSQL's ``integer`` stops at 2,147,483,647 and its ``bigint`` at 9.2e18; SQLite keeps up to
9.2e18 too. A number past them was a 500 from the driver (the API fuzzer found them); bounded in the
request's model, it is a 422 naming the field. The bounds are far above any real order.
"""

from __future__ import annotations

MAX_UNITS = 1_000_000_000  # units of stock, a quantity, a capacity: within PostgreSQL's integer
MAX_LINE = 100_000  # an order's line number
MAX_MINOR = 10**15  # an amount in minor units: ten trillion dollars, within bigint
MAX_ID = 2**63 - 1  # a keyset cursor over a bigint id
