"""Claim lines: events expanded into lines with codes, allowed and paid amounts."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from carehub.demo import codes, distributions
from carehub.demo.generator.arrow import (
    CLAIMS_SCHEMA,
    date_array,
    decimal_array,
    dictionary_schema,
    fixed_width_strings,
    labels,
)
from carehub.demo.generator.code_tables import (
    DX_CODES,
    DX_NONE,
    EVENT_MEAN,
    PROC,
    PROC_CODES,
    PROC_NONE,
)
from carehub.demo.generator.events import EXTRA_POOLS, POOL_INPATIENT, claim_events
from carehub.demo.generator.members import Context, Members
from carehub.demo.generator.options import I64


def _diagnosis_strings(keys: I64) -> list[str]:
    out = []
    base = DX_NONE + 1
    for key in keys.tolist():
        p, rest = divmod(key, base * base)
        s, z = divmod(rest, base)
        parts = [DX_CODES[p]]
        for extra in (s, z):
            if extra != DX_NONE and DX_CODES[extra] not in parts:
                parts.append(DX_CODES[extra])
        out.append(";".join(parts))
    return out


def make_claims(
    rng: np.random.Generator, m: Members, ctx: Context, chunk: int, ids: pa.StringArray
) -> pa.Table:
    ev = claim_events(rng, m, ctx)
    # Order claims by member, date and setting so claim numbers read naturally.
    key = (ev.member << 24) | ((ev.day_from - ctx.window_start + 1) << 4) | ev.setting
    order = np.argsort(key, kind="stable")
    ev = ev.take(order)
    n_events = len(ev.member)

    n_lines = 1 + ev.n_extra
    line_event = np.repeat(np.arange(n_events, dtype=np.int64), n_lines)
    starts = np.cumsum(n_lines) - n_lines
    line_no = np.arange(len(line_event), dtype=np.int64) - starts[line_event] + 1
    total_lines = len(line_event)

    code = np.full(total_lines, PROC_NONE, dtype=np.int64)
    price = np.zeros(total_lines, dtype=np.float64)
    first = line_no == 1
    code[first] = ev.first_code
    price[first] = ev.first_price
    pool = ev.extra_pool[line_event]
    for p_idx, extra in enumerate(EXTRA_POOLS):
        sel = np.nonzero(~first & (pool == p_idx))[0]
        if len(sel):
            code[sel], price[sel] = extra.draw(rng, len(sel))
    # Inpatient: a line per further day, then the discharge line.
    inpatient = ~first & (pool == POOL_INPATIENT)
    last = line_no == n_lines[line_event]
    code[inpatient] = np.where(last[inpatient], PROC[codes.IP_DISCHARGE[0]], PROC[codes.IP_DAY[0]])
    price[inpatient] = np.where(last[inpatient], codes.IP_DISCHARGE[1], codes.IP_DAY[1])
    price = np.where(price > 0, price, 1.0)

    # Allowed per claim, split across lines by price weight, rounded to cents per line.
    product = m.product[ev.member]
    sigma = np.array(distributions.CLAIM_COST_SIGMA)[ev.setting]
    claim_allowed = (
        EVENT_MEAN[product, ev.setting]
        * ev.weight
        * np.exp(sigma * rng.standard_normal(n_events) - sigma**2 / 2)
    )
    claim_price = np.add.reduceat(price, starts)
    allowed_cents = np.maximum(
        np.round(claim_allowed[line_event] * price / claim_price[line_event] * 100), 1
    ).astype(np.int64)
    ratio = np.array(distributions.PAID_RATIO)[product][line_event] * (
        1.0 - 0.03 * rng.random(total_lines)
    )
    paid_cents = np.round(allowed_cents * ratio).astype(np.int64)
    paid_cents = np.where(rng.random(total_lines) < distributions.DENIED_SHARE, 0, paid_cents)

    base = DX_NONE + 1
    dx_key = (ev.dx[:, 0] * base + ev.dx[:, 1]) * base + ev.dx[:, 2]
    uniq, dx_index = np.unique(dx_key, return_inverse=True)

    claim_numbers = chunk * 100_000_000 + np.arange(n_events, dtype=np.int64)
    claim_ids = fixed_width_strings("C", claim_numbers, 11).take(pa.array(line_event))
    return pa.table(
        [
            claim_ids,
            pa.array(line_no.astype(np.int32)),
            pa.DictionaryArray.from_arrays(pa.array(ev.member[line_event].astype(np.int32)), ids),
            labels(distributions.SETTINGS, ev.setting[line_event]),
            date_array(ev.day_from[line_event]),
            date_array(ev.day_to[line_event]),
            labels(PROC_CODES, np.maximum(code, 0), missing=code < 0),
            labels(_diagnosis_strings(uniq), dx_index[line_event]),
            decimal_array(allowed_cents, 12, 2),
            decimal_array(paid_cents, 12, 2),
        ],
        schema=dictionary_schema(
            CLAIMS_SCHEMA, {"member_id", "setting", "procedure_code", "diagnosis_codes"}
        ),
    )
