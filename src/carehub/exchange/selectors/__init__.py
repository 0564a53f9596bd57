"""The exchange's reads, one module per area; each is given the acting organisation."""
