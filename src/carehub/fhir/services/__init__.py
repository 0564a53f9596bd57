"""FHIR services, one module per area."""
