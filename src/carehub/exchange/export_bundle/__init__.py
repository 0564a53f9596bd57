"""An organisation's export bundle: the table definitions (tables), the FHIR files
(fhir), the writer (writer) and the README with its data dictionary (readme)."""

from carehub.exchange.export_bundle.readme import data_dictionary
from carehub.exchange.export_bundle.rows import Context, exported_members
from carehub.exchange.export_bundle.tables import TABLES
from carehub.exchange.export_bundle.writer import FORMATS, Manifest, write_bundle

__all__ = ["FORMATS", "TABLES", "Context", "Manifest", "data_dictionary", "exported_members",
           "write_bundle"]
