"""Reads of billing records, always given the acting organisation."""
