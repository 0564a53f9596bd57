"""Arrow schemas of the three extracts and vectorised builders of their columns."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from carehub.demo.generator.options import I64, Mask

ROSTER_SCHEMA = pa.schema(
    [
        ("member_id", pa.string()),
        ("first_name", pa.string()),
        ("last_name", pa.string()),
        ("birth_date", pa.date32()),
        ("sex", pa.string()),
        ("race", pa.string()),
        ("ethnicity", pa.string()),
        ("language", pa.string()),
        ("address", pa.string()),
        ("city", pa.string()),
        ("county", pa.string()),
        ("state", pa.string()),
        ("zip", pa.string()),
        ("phone", pa.string()),
        ("phone_alt", pa.string()),
        ("email", pa.string()),
        ("product", pa.string()),
        ("pcp_npi", pa.string()),
        ("risk_score", pa.decimal128(6, 3)),
        ("enroll_start", pa.date32()),
        ("enroll_end", pa.date32()),
        ("hospice", pa.bool_()),
    ]
)
CLAIMS_SCHEMA = pa.schema(
    [
        ("claim_id", pa.string()),
        ("line", pa.int32()),
        ("member_id", pa.string()),
        ("setting", pa.string()),
        ("service_from", pa.date32()),
        ("service_to", pa.date32()),
        ("procedure_code", pa.string()),
        ("diagnosis_codes", pa.string()),
        ("allowed_amount", pa.decimal128(12, 2)),
        ("paid_amount", pa.decimal128(12, 2)),
    ]
)
SCREENINGS_SCHEMA = pa.schema(
    [
        ("member_id", pa.string()),
        ("date", pa.date32()),
        ("instrument", pa.string()),
        ("item", pa.string()),
        ("answer", pa.string()),
    ]
)
TABLES: dict[str, pa.Schema] = {
    "roster": ROSTER_SCHEMA,
    "claims": CLAIMS_SCHEMA,
    "screenings": SCREENINGS_SCHEMA,
}


def fixed_width_strings(prefix: str, numbers: npt.ArrayLike, width: int) -> pa.StringArray:
    """`prefix` + zero-padded decimal numbers, built as one byte buffer (no Python loop)."""
    values = np.asarray(numbers, dtype=np.int64)
    head = prefix.encode("ascii")
    row = len(head) + width
    buf = np.empty((len(values), row), dtype=np.uint8)
    if head:
        buf[:, : len(head)] = np.frombuffer(head, dtype=np.uint8)
    rest = values.copy()
    for pos in range(row - 1, len(head) - 1, -1):
        buf[:, pos] = 48 + rest % 10
        rest //= 10
    offsets = np.arange(len(values) + 1, dtype=np.int32) * row
    return pa.StringArray.from_buffers(len(values), pa.py_buffer(offsets), pa.py_buffer(buf))


def decimal_array(units: I64, precision: int, scale: int) -> pa.Array:
    """decimal128 array from integers counted in units of 10**-scale."""
    values = np.ascontiguousarray(units, dtype=np.int64)
    words = np.empty((len(values), 2), dtype=np.int64)
    words[:, 0] = values
    words[:, 1] = values >> 63  # sign extension into the high word
    return pa.Array.from_buffers(
        pa.decimal128(precision, scale), len(values), [None, pa.py_buffer(words)]
    )


def date_array(days: npt.ArrayLike, missing: Mask | None = None) -> pa.Array:
    values = np.asarray(days, dtype=np.int32)
    return pa.array(values, type=pa.date32(), mask=missing)


def labels(
    dictionary: Sequence[str], indices: npt.ArrayLike, missing: Mask | None = None
) -> pa.Array:
    """Dictionary-encoded strings: cheap to build and written as Parquet dictionary pages."""
    idx = pa.array(np.asarray(indices, dtype=np.int32), mask=missing)
    return pa.DictionaryArray.from_arrays(idx, pa.array(list(dictionary), type=pa.string()))


def dictionary_schema(schema: pa.Schema, dictionary_columns: set[str]) -> pa.Schema:
    return pa.schema(
        [
            pa.field(f.name, pa.dictionary(pa.int32(), pa.string()))
            if f.name in dictionary_columns
            else f
            for f in schema
        ]
    )
