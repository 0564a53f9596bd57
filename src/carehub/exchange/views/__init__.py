"""The exchange's pages, one module per area."""
