"""The roster extract: one row per member enrolment span."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carehub.demo import distributions, geography
from carehub.demo.generator.arrow import (
    ROSTER_SCHEMA,
    date_array,
    decimal_array,
    dictionary_schema,
    fixed_width_strings,
    labels,
)
from carehub.demo.generator.contacts import contact_columns
from carehub.demo.generator.members import Context, Members
from carehub.demo.generator.population_tables import (
    ETHNICITY_LABELS,
    FIRST_NAMES,
    LANGUAGES,
    LAST_NAMES,
    PLACE_CITY,
    RACE_LABELS,
    SEX_LABELS,
    STREETS,
    ZIP_PLACE,
    ZIPS,
)


def make_roster(m: Members, ctx: Context, ids: pa.StringArray) -> pa.Table:
    two = m.s2 >= 0
    row = np.sort(np.concatenate([np.arange(m.n), np.nonzero(two)[0]]), kind="stable")
    second = np.zeros(len(row), dtype=bool)
    second[1:] = row[1:] == row[:-1]
    start = np.where(second, m.s2[row], m.s1[row])
    end = np.where(second, -1, m.e1[row])
    take = pa.array(row)
    street = pa.array(STREETS).take(pa.array(m.street[row]))
    address = pc.binary_join_element_wise(pc.cast(pa.array(m.house[row]), pa.string()), street, " ")
    county_names = [c.name for c in geography.COUNTIES]
    first = labels(FIRST_NAMES, m.first[row])
    last = labels(LAST_NAMES, m.last[row])
    phone, phone_alt, email = contact_columns(ctx.seed, m.gidx[row], m.county[row], m.age[row],
                                              first, last)
    return pa.table(
        [
            ids.take(take),
            first,
            last,
            date_array(m.birth[row]),
            labels(SEX_LABELS, m.sex[row]),
            labels(RACE_LABELS, m.race[row]),
            labels(ETHNICITY_LABELS, m.ethnicity[row]),
            labels(LANGUAGES, m.language[row]),
            address,
            labels(PLACE_CITY, ZIP_PLACE[m.zip[row]]),
            labels(county_names, m.county[row]),
            labels(["NY"], np.zeros(len(row), np.int64)),
            labels(ZIPS, m.zip[row]),
            phone,
            phone_alt,
            email,
            labels(distributions.PRODUCTS, m.product[row]),
            fixed_width_strings("", ctx.pcp_npis[m.pcp[row]], 10),
            decimal_array(m.risk_milli[row], 6, 3),
            date_array(start),
            date_array(np.maximum(end, 0), missing=end < 0),
            pa.array(m.hospice[row]),
        ],
        schema=dictionary_schema(
            ROSTER_SCHEMA,
            {
                "first_name",
                "last_name",
                "sex",
                "race",
                "ethnicity",
                "language",
                "city",
                "county",
                "state",
                "zip",
                "product",
            },
        ),
    )
