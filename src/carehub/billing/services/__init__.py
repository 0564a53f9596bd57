"""The only code that writes billing records; every write is audited. One module per
stage: statements, lines (and edits), submissions, review, remittance, payouts, fee
schedules."""
