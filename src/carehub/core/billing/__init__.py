"""Billing in plain Python: claims as data, X12 837P and 835 files, fee schedules, edits
before billing, pass-through to CBOs and the MLR report."""
