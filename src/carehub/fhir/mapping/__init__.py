"""FHIR mapping, one module per area."""
