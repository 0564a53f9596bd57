"""HL7's published SDOH Clinical Care StructureDefinitions (package data; see README.md)."""
