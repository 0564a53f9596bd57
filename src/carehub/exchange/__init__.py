"""File exchange with partners: the data sets a contract's scope of work names, delivered
in and out through drop folders and SFTP with a receipt each; and an organisation's
export of all its own records."""
