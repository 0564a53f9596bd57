"""A cheaper argon2 for the test suite only.

Production hashes with Django's Argon2PasswordHasher at its default cost (settings.py).
Tests create a dozen users per test and sign them in, and at that cost hashing alone was
most of the suite's time; the algorithm and the stored format ("argon2$argon2id$...")
stay the same, only the work factors are lower.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 1024
    parallelism = 1
