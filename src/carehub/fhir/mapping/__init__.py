"""carehub rows → FHIR R4 JSON, one module per area, plain functions `<type>(obj) -> dict`
with meta.profile set to the SDOHCC profile where one applies. Task, ServiceRequest and
Procedure belong to the referral workflow (the tasks area)."""
