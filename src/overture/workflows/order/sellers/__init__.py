"""Sub-orders: one seller's part of a marketplace order, a child workflow of the order's."""
