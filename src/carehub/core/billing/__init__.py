"""Billing rules as plain functions: fee schedules, edits before billing, X12 files, pass-through and MLR."""
