"""Billing pages, one module per audience: statements, the CBO and hub pages, the payer's
review."""
