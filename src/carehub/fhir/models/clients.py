"""Partner systems registered for an organisation."""
