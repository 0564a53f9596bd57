"""Resources received by FHIR and served back as received."""
