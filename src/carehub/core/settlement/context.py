"""What every component needs to settle one period: the terms, the activity, the span
settled (the period, which lies inside the term), and a few derived views computed once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import numpy as np

from carehub.core.activity import Activity, Event
from carehub.core.periods import Span, month_label, months_touching
from carehub.core.terms import Component, Terms
from carehub.core.validation import InputError


class SettlementError(InputError):
    """Terms and activity that are each valid but cannot be settled together."""


@dataclass(frozen=True, slots=True)
class Episode:
    member: str
    start: date
    end: date
    renewal: int  # 0 for the episode an enrolment opens, n for its n-th renewal


@dataclass
class Context:
    terms: Terms
    activity: Activity
    # Per bundled component: which service lines fall inside its open episodes.
    bundled_rows: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def period(self) -> Span:
        return self.activity.period

    @cached_property
    def months(self) -> list[Span]:
        """Calendar months of the period, each cut to the period."""
        result = []
        for month in months_touching(self.period):
            part = month.overlap(self.period)
            assert part is not None
            result.append(part)
        return result

    def month_name(self, month: Span) -> str:
        return month_label(month)

    def label(self, base: str, month: Span) -> str:
        """Labels stay unique per component when a period covers several months."""
        return base if len(self.months) == 1 else f"{base} {month_label(month)}"

    @cached_property
    def in_period(self) -> np.ndarray:
        days = self.activity.services.day
        return (days >= self.period.start.toordinal()) & (days <= self.period.end.toordinal())

    def code_mask(self, codes: tuple[str, ...]) -> np.ndarray:
        """Service lines (in the period) whose service is one of `codes`."""
        lines = self.activity.services
        wanted = [index for index, code in enumerate(lines.codes) if code in codes]
        if not wanted:
            return np.zeros(len(lines), dtype=bool)
        return np.isin(lines.service, np.array(wanted, dtype=np.int32)) & self.in_period

    @cached_property
    def not_bundled(self) -> np.ndarray:
        """Service lines no bundled component has claimed for an open episode."""
        mask = np.ones(len(self.activity.services), dtype=bool)
        for rows in self.bundled_rows.values():
            mask &= ~rows
        return mask

    @cached_property
    def merged_attribution(self) -> dict[str, list[tuple[int, int]]]:
        """Each member's attributed days as merged (first, last) ordinals; open ends run to
        the period's end, so overlapping or repeated spans are never counted twice."""
        open_end = self.period.end.toordinal()
        spans: dict[str, list[tuple[int, int]]] = {}
        for entry in self.activity.attribution:
            end = entry.end.toordinal() if entry.end else open_end
            spans.setdefault(entry.member, []).append((entry.start.toordinal(), end))
        for member, items in spans.items():
            if len(items) > 1:
                items.sort()
                merged = [items[0]]
                for start, end in items[1:]:
                    last_start, last_end = merged[-1]
                    if start <= last_end + 1:
                        merged[-1] = (last_start, max(last_end, end))
                    else:
                        merged.append((start, end))
                spans[member] = merged
        return spans

    def attributed_days(self, span: Span) -> dict[str, int]:
        """Days each member is attributed within `span`."""
        first, last = span.start.toordinal(), span.end.toordinal()
        result: dict[str, int] = {}
        for member, items in self.merged_attribution.items():
            days = 0
            for start, end in items:
                overlap = min(end, last) - max(start, first) + 1
                if overlap > 0:
                    days += overlap
            if days:
                result[member] = days
        return result

    def events(self, kind: str, *, until: date | None = None) -> list[Event]:
        """Events of one type from the contract's start to `until` (the period's end by
        default), in date order, ties kept in file order."""
        last = until or self.period.end
        chosen = [event for event in self.activity.events
                  if event.type == kind and self.terms.effective <= event.date <= last]
        chosen.sort(key=lambda event: (event.date, event.position))
        return chosen

    def component(self, component_id: str) -> Component:
        return self.terms.component(component_id)
