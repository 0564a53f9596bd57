"""An organisation's export of all its own records."""
