"""Synthetic payer extracts: roster, claims and screenings with the columns of population.md.

Members are generated in fixed-size chunks. Each chunk draws from its own random stream
derived from (seed, chunk number), so the output depends only on the seed and options,
and every step is vectorised over the chunk (no per-row Python). Parquet is written one
chunk at a time, so memory stays bounded whatever the member count.

Model, in short: each member has a product, an age band, a county and a latent frailty
factor. Chronic conditions are drawn with a Gaussian copula on that factor (so the sick
are sick with several things and use more care); risk score and utilisation rates scale
with it too. Social needs are drawn by product; screened members answer consistently with
their needs, and some positives are coded as Z codes on claims. Claims are events
(visits, stays, fills) expanded to lines; each event's allowed amount is calibrated so
that allowed per member-month matches the product's target on average.

Modules, in the order data flows: `options` (what to generate, limits, the claims
window), `code_tables` and `population_tables` (tables built once at import), `members`,
`events` (claims as visits, stays and fills, one named step per kind), `claims` (events
expanded into lines), `roster`, `screenings`, `arrow` (schemas and column builders) and
`writing` (chunks, files, manifest).
"""

from carehub.demo.generator.claims import make_claims
from carehub.demo.generator.code_tables import DX_CODES, PROC_CODES
from carehub.demo.generator.members import make_members, member_ids
from carehub.demo.generator.options import (
    CHUNK_MEMBERS,
    DEFAULT_AS_OF,
    FORMATS,
    GENERATOR_VERSION,
    MAX_MEMBERS,
    MAX_MONTHS,
    MIN_MONTHS,
    GenerateError,
    GenerateOptions,
    claims_window,
)
from carehub.demo.generator.roster import make_roster
from carehub.demo.generator.screenings import make_screenings
from carehub.demo.generator.writing import generate, generate_chunks

__all__ = [
    "CHUNK_MEMBERS",
    "DEFAULT_AS_OF",
    "DX_CODES",
    "FORMATS",
    "GENERATOR_VERSION",
    "MAX_MEMBERS",
    "MAX_MONTHS",
    "MIN_MONTHS",
    "PROC_CODES",
    "GenerateError",
    "GenerateOptions",
    "claims_window",
    "generate",
    "generate_chunks",
    "make_claims",
    "make_members",
    "make_roster",
    "make_screenings",
    "member_ids",
]
