"""The marketplace: sellers and their lifecycle (sellers.py), offers and the buy box (buybox.py),
commissions frozen at placement and their clawback (commission.py), the seller ledger and payouts
(seller_ledger.py), scorecards and the rules that warn and suspend (scorecard.py)."""
