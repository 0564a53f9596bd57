"""The screenings extract: one row per answer of a screened member."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from carehub.demo import codes
from carehub.demo.generator.arrow import SCREENINGS_SCHEMA, date_array, dictionary_schema, labels
from carehub.demo.generator.code_tables import NEED, index_of
from carehub.demo.generator.members import Members
from carehub.demo.generator.options import I64

SCREENING_ITEM_CODES: list[str] = list(
    dict.fromkeys(item[0] for items in codes.SCREENING_ITEMS.values() for item in items)
)
SCREENING_ANSWERS: list[str] = list(
    dict.fromkeys(
        [
            *(a for items in codes.SCREENING_ITEMS.values() for it in items for a in it[2]),
            *(it[3] for items in codes.SCREENING_ITEMS.values() for it in items if it[3]),
            codes.AHC_HOMELESS_ANSWER,
        ]
    )
)
_ANSWER = index_of(SCREENING_ANSWERS)


def make_screenings(rng: np.random.Generator, m: Members, ids: pa.StringArray) -> pa.Table:
    members: list[I64] = []
    items: list[I64] = []
    answers: list[I64] = []
    orders: list[I64] = []
    instruments: list[I64] = []
    order = 0
    for inst_idx, inst in enumerate(codes.INSTRUMENTS):
        who = np.nonzero(m.screened & (m.instrument == inst_idx))[0]
        for item, need, positive, negative in codes.SCREENING_ITEMS[inst]:
            has = m.needs[who, NEED[need]]
            pos_pick = (rng.random(len(who)) * len(positive)).astype(np.int64)
            pos_codes = np.array([_ANSWER[a] for a in positive])[pos_pick]
            if inst == "ahc-hrsn" and item == "71802-3":
                homeless = m.needs[who, NEED["homelessness"]]
                pos_codes = np.where(homeless, _ANSWER[codes.AHC_HOMELESS_ANSWER], pos_codes)
                has = has | homeless
            if negative:
                keep = np.ones(len(who), dtype=bool)
                answer = np.where(has, pos_codes, _ANSWER[negative])
            else:
                keep = has
                answer = pos_codes
            members.append(who[keep])
            answers.append(answer[keep])
            items.append(np.full(int(keep.sum()), SCREENING_ITEM_CODES.index(item)))
            orders.append(np.full(int(keep.sum()), order))
            instruments.append(np.full(int(keep.sum()), inst_idx))
            order += 1
    member = np.concatenate(members)
    sort = np.lexsort((np.concatenate(orders), member))
    member = member[sort]
    return pa.table(
        [
            ids.take(pa.array(member)),
            date_array(m.screen_day[member]),
            labels(codes.INSTRUMENTS, np.concatenate(instruments)[sort]),
            labels(SCREENING_ITEM_CODES, np.concatenate(items)[sort]),
            labels(SCREENING_ANSWERS, np.concatenate(answers)[sort]),
        ],
        schema=dictionary_schema(SCREENINGS_SCHEMA, {"instrument", "item", "answer"}),
    )
