"""The exchange's forms, one module per area."""
