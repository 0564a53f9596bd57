"""FHIR views, one module per area."""
