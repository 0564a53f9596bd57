"""FHIR selectors, one module per area."""
