"""The FHIR R4 API (HL7 SDOH Clinical Care 2.3.0) as an adapter over the apps below it:
partner systems authenticate with OAuth2 client credentials (SMART Backend Services) and
read and write the same records the pages show."""
