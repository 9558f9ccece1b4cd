"""Marketplace use cases: sellers and onboarding, offers, the buy box at placement, the split into
sub-orders, sellers' answers and shipments, the seller ledger and payouts, scorecards and governance,
incidents."""
