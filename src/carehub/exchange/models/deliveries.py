"""Data sets a contract names, and each delivery with its receipt."""
