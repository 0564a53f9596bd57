"""Resources received by FHIR and the versions of the ones carehub serves."""
