"""Spare parts (F19): catalogue, stock locations, the stock ledger, van stock, parts used on
work orders (offline too), replenishment and reports. See docs/architecture.md, "Spare parts"."""
