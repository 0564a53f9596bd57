"""Billing: settlement statements kept for good, edits before billing, invoices and 837P
claims, the payer's review, 835 remittance and the hub's payments to its CBOs."""
