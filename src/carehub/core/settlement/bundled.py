"""Bundled case rate: one payment per episode that starts in the period; services the
bundle includes, delivered inside an open episode, are listed at zero and paid by no
fee-for-service component."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from carehub.core.activity import Event
from carehub.core.money import fmt, to_cents
from carehub.core.settlement.context import Context, Episode
from carehub.core.settlement.lines import paid_cents, plural, unpaid
from carehub.core.settlement.statement import Line
from carehub.core.terms import Bundled

# Date ordinals stay below 2**20 until the year 2870, so one int64 holds (member, day).
_DAY_BITS = 20


def build_episodes(component: Bundled, ctx: Context) -> tuple[list[Episode],
                                                              list[tuple[Event, str]]]:
    """Episodes from enrolment and renewal events since the contract's start, and the
    events that could not open one (with the reason)."""
    length = timedelta(days=component.episode_days - 1)
    chosen = [event for event in ctx.events("enrolled") + ctx.events("renewal_approved")
              if event.service == component.service and event.member]
    chosen.sort(key=lambda event: (event.date, event.position))
    last: dict[str, Episode] = {}
    episodes: list[Episode] = []
    refused: list[tuple[Event, str]] = []
    for event in chosen:
        member = event.member or ""
        current = last.get(member)
        if event.type == "enrolled":
            if current is not None and event.date <= current.end:
                refused.append((event, f"{member} is already in an episode open until "
                                       f"{current.end}"))
                continue
            episode = Episode(member, event.date, event.date + length, 0)
        else:
            if current is None:
                refused.append((event, f"{member} has no episode to renew"))
                continue
            if current.renewal >= component.max_renewals:
                refused.append((event, f"{member} has had max_renewals "
                                       f"{component.max_renewals} renewals"))
                continue
            start = max(event.date, current.end + timedelta(days=1))
            episode = Episode(member, start, start + length, current.renewal + 1)
        last[member] = episode
        episodes.append(episode)
    return episodes, refused


def rows_in_episodes(component: Bundled, episodes: list[Episode], ctx: Context) -> np.ndarray:
    """Mask of service lines of the bundle's included services inside an open episode."""
    lines = ctx.activity.services
    mask = ctx.code_mask(component.included_services)
    if not episodes or not mask.any():
        return np.zeros(len(lines), dtype=bool)
    member_index = {member: index for index, member in enumerate(lines.member_ids)}
    known = [episode for episode in episodes if episode.member in member_index]
    if not known:
        return np.zeros(len(lines), dtype=bool)
    members = np.array([member_index[e.member] for e in known], dtype=np.int64)
    starts = np.array([e.start.toordinal() for e in known], dtype=np.int64)
    ends = np.array([e.end.toordinal() for e in known], dtype=np.int64)
    keys = (members << _DAY_BITS) | starts
    order = np.argsort(keys, kind="stable")
    keys, members, ends = keys[order], members[order], ends[order]
    rows = np.nonzero(mask)[0]
    row_members = lines.member[rows].astype(np.int64)
    row_days = lines.day[rows].astype(np.int64)
    # The latest episode of the same member that starts on or before the day: episodes of
    # one member never overlap, so that is the only one that can cover it.
    found = np.searchsorted(keys, (row_members << _DAY_BITS) | row_days, side="right") - 1
    valid = found >= 0
    safe = np.where(valid, found, 0)
    covered = valid & (members[safe] == row_members) & (ends[safe] >= row_days)
    result = np.zeros(len(lines), dtype=bool)
    result[rows[covered]] = True
    return result


def settle_bundled(component: Bundled, ctx: Context, episodes: list[Episode],
                   refused: list[tuple[Event, str]], bundled_rows: np.ndarray) -> list[Line]:
    period = ctx.period
    rate_cents = to_cents(component.rate)
    lines: list[Line] = []
    for renewal, label in ((False, "Episodes opened by enrolment"), (True, "Episodes renewed")):
        started = [e for e in episodes if period.contains(e.start) and (e.renewal > 0) == renewal]
        if not started:
            continue
        who = _who(started)
        lines.append(paid_cents(
            component, label, len(started), component.rate, len(started) * rate_cents,
            f"{plural(len(started), 'episode')} of {component.service} starting in {period}"
            f"{who} × case rate {fmt(component.rate)}"
            f" = {fmt(len(started) * component.rate)}; {component.episode_days} days each"))
    in_period = [(event, reason) for event, reason in refused if period.contains(event.date)]
    reasons: dict[tuple[str, str], list[str]] = {}
    for event, reason in in_period:
        kind = "Enrolments" if event.type == "enrolled" else "Renewals"
        cause = reason.split(" ", 1)[1]
        reasons.setdefault((kind, cause), []).append(f"{event.member} {event.date}")
    for (kind, cause), items in reasons.items():
        lines.append(unpaid(component, f"{kind} unpaid: {cause}", len(items), component.rate,
                            f"not paid: {cause} ({', '.join(items[:10])}"
                            f"{', …' if len(items) > 10 else ''})"))
    services = ctx.activity.services
    if bundled_rows.any():
        units_by_code = np.bincount(services.service[bundled_rows],
                                    weights=services.units[bundled_rows],
                                    minlength=len(services.codes))
        for index, code in enumerate(services.codes):
            units = int(units_by_code[index])
            if units:
                service = ctx.terms.service(code)
                lines.append(unpaid(
                    component, f"Bundled: {code}", units, service.rate,
                    f"{plural(units, service.unit)} of {code} delivered inside open "
                    f"{component.service} episodes: included in the case rate, "
                    "not paid by fee for service"))
    return lines


def _who(episodes: list[Episode]) -> str:
    if len(episodes) > 10:
        return ""
    return " (" + ", ".join(f"{e.member} from {e.start}" for e in episodes) + ")"
