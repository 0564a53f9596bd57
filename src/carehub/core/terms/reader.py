"""Reading and validating contract payment terms.

`load_terms` turns plain data (parsed YAML or JSON) into the frozen, typed models of
`carehub.core.terms.model`, or raises `TermsError` listing every problem with its path,
what is wrong and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from carehub.core.terms.model import (
    COMPONENT_TYPES,
    DIRECTIONS,
    MLR_CATEGORIES,
    Bonus,
    Bundled,
    Capitation,
    Component,
    FeeForService,
    FixedPrice,
    FlexibleFunds,
    Hybrid,
    Milestone,
    OutcomeBased,
    Penalties,
    Performance,
    Prepayment,
    Service,
    SharedLosses,
    SharedSavings,
    Target,
    Terms,
)
from carehub.core.textinput import TextInputError, parse_json, parse_yaml
from carehub.core.validation import InputError, Reader, join

COMMON_FIELDS = ("id", "type", "label", "mlr")


class TermsError(InputError):
    """Invalid terms; `.errors` is a list of `(path, message)`."""


BILLING_MODES = ("invoice", "claims")
TOP_FIELDS = ("contract", "payer", "provider", "effective", "ends", "billing",
              "billing_by_provider", "services", "components", "studio")
SERVICE_FIELDS = ("code", "name", "hcpcs", "modifiers", "unit", "rate")
FFS_FIELDS = ("services", "max_units", "max_units_per_member_per_day")
TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    "fixed_price": ("amount", "schedule", "milestones"),
    "fee_for_service": (*FFS_FIELDS, "guaranteed_minimum"),
    "bundled": ("service", "rate", "episode_days", "max_renewals", "included_services"),
    "capitation": ("pmpm", "member_month_rule"),
    "hybrid": ("floor", *FFS_FIELDS, "reconcile"),
    "performance": ("bonuses", "penalties"),
    "shared_savings": ("benchmark", "net_of", "min_rate", "max_rate", "quality_metrics",
                       "minimum_savings_rate", "cap", "cap_first"),
    "shared_losses": ("benchmark", "rate", "threshold_rate", "cap"),
    "outcome_based": ("unit_rate", "pathways", "engagement_amount", "budget"),
    "prepayment": ("amount", "recoup_rate"),
    "flexible_funds": ("per_member", "per", "categories"),
}
ZERO = Decimal(0)
ONE = Decimal(1)


def parse_terms_text(text: str, filename: str) -> Terms:
    """Terms from YAML (or JSON, by a `.json` file name); errors name the file."""
    try:
        data = parse_json(text) if filename.endswith(".json") else parse_yaml(text)
    except TextInputError as exc:
        raise TermsError([("", str(exc))], filename) from None
    try:
        return load_terms(data)
    except TermsError as exc:
        raise TermsError(exc.errors, filename) from None


def load_terms(data: Any) -> Terms:
    reader = Reader()
    top = reader.mapping(data, "", "a mapping of contract terms")
    if top is None:
        raise TermsError(reader.all_errors())
    reader.no_unknown(top, "", TOP_FIELDS)
    contract = reader.text(top, "contract", "", example="WNY-MEALS-2026")
    payer = reader.text(top, "payer", "", example="independent-health")
    provider = reader.text(top, "provider", "", example="wnyicc")
    effective = reader.day(top, "effective", "")
    ends = reader.day(top, "ends", "")
    if effective and ends and ends < effective:
        reader.error("ends", f"must be on or after effective {effective}, got {ends}")
    billing = reader.choice(top, "billing", "", BILLING_MODES, default="invoice")
    by_provider = _billing_by_provider(reader, top.get("billing_by_provider"))
    services = _services(reader, top.get("services"))
    catalogue = {service.code: service.rate for service in services}
    components = _components(reader, top.get("components"), catalogue)
    studio = top.get("studio") or {}
    reader.mapping(studio, "studio", "a mapping of studio assumptions")
    if reader.errors:
        raise TermsError(reader.all_errors())
    assert contract and payer and provider and effective and ends and billing
    return Terms(contract=contract, payer=payer, provider=provider, effective=effective,
                 ends=ends, billing=billing, services=tuple(services),
                 components=tuple(components), studio=dict(studio),
                 billing_by_provider=by_provider)


def _billing_by_provider(reader: Reader, value: Any) -> dict[str, str]:
    """`billing_by_provider: {alpha-pantry: claims}`: organisation slugs to a mode."""
    if value is None:
        return {}
    mapping = reader.mapping(value, "billing_by_provider",
                             "a mapping of organisation slugs to invoice or claims")
    if mapping is None:
        return {}
    out: dict[str, str] = {}
    for slug, mode in mapping.items():
        path = f"billing_by_provider.{slug}"
        if mode not in BILLING_MODES:
            reader.error(path, f"must be one of invoice, claims, got {mode!r}")
            continue
        out[str(slug)] = str(mode)
    return out


def _services(reader: Reader, value: Any) -> list[Service]:
    if value is None:
        return []
    items = reader.sequence(value, "services", "services such as {code: HDM, rate: \"7.50\"}")
    result: list[Service] = []
    seen: set[str] = set()
    for index, raw in enumerate(items or []):
        path = join("services", index)
        item = reader.mapping(raw, path)
        if item is None:
            continue
        reader.no_unknown(item, path, SERVICE_FIELDS)
        code = reader.text(item, "code", path, example="HDM")
        name = reader.text(item, "name", path, required=False) or code
        unit = reader.text(item, "unit", path, required=False) or "unit"
        rate = reader.money(item, "rate", path, example="7.50")
        hcpcs = reader.text(item, "hcpcs", path, required=False, example="S5170")
        modifiers = reader.codes(item, "modifiers", path, required=False, example="U1") or ()
        if code in seen:
            reader.error(join(path, "code"), f'"{code}" is already in the catalogue')
        if code:
            seen.add(code)
        if code and rate is not None and name:
            result.append(Service(code, name, unit, rate, hcpcs, modifiers))
    return result


def _components(reader: Reader, value: Any, catalogue: Mapping[str, Decimal]) -> list[Component]:
    if value is None:
        reader.error("components", "required (a list of payment components)")
        return []
    items = reader.sequence(value, "components", "payment components")
    result: list[Component] = []
    ids: list[str] = []
    for index, raw in enumerate(items or []):
        path = join("components", index)
        item = reader.mapping(raw, path)
        if item is None:
            continue
        component_id = reader.text(item, "id", path, example="meals")
        kind = reader.choice(item, "type", path, COMPONENT_TYPES)
        if component_id in ids:
            reader.error(join(path, "id"), f'"{component_id}" is already used by another component')
        if component_id:
            ids.append(component_id)
        if kind is None or component_id is None:
            continue
        reader.no_unknown(item, path, (*COMMON_FIELDS, *TYPE_FIELDS[kind]))
        label = reader.text(item, "label", path, required=False)
        mlr = reader.choice(item, "mlr", path, MLR_CATEGORIES, default="medical") or "medical"
        common: dict[str, Any] = {"id": component_id, "type": kind, "label": label, "mlr": mlr}
        count = len(reader.errors)
        built = _BUILDERS[kind](reader, item, path, common, catalogue)
        if built is not None and len(reader.errors) == count:
            result.append(built)
    _cross_checks(reader, result, items or [])
    return result


def _known_codes(reader: Reader, codes: tuple[str, ...] | None, path: str,
                 catalogue: Mapping[str, Decimal]) -> None:
    for index, code in enumerate(codes or ()):
        if code not in catalogue:
            allowed = ", ".join(sorted(catalogue)) or "none: the terms have no services"
            reader.error(join(path, index), f'"{code}" is not in the service catalogue '
                                            f"(known codes: {allowed})")


def _fixed_price(reader: Reader, item: Mapping[str, Any], path: str, common: dict[str, Any],
                 catalogue: Mapping[str, Decimal]) -> Component | None:
    schedule = reader.choice(item, "schedule", path,
                             ("upfront", "monthly", "quarterly", "milestones"))
    milestones: list[Milestone] = []
    if schedule == "milestones":
        raw = item.get("milestones")
        mpath = join(path, "milestones")
        if raw is None:
            reader.error(mpath, "required when schedule is milestones "
                                '(a list such as [{name: workflows-tested, amount: "5000.00"}])')
        for index, entry in enumerate(reader.sequence(raw, mpath, "{name, amount}") or []
                                      if raw is not None else []):
            epath = join(mpath, index)
            milestone = reader.mapping(entry, epath)
            if milestone is None:
                continue
            reader.no_unknown(milestone, epath, ("name", "amount"))
            name = reader.text(milestone, "name", epath, example="workflows-tested")
            amount = reader.money(milestone, "amount", epath, example="5000.00")
            if name is not None and amount is not None:
                milestones.append(Milestone(name, amount))
        total = sum((m.amount for m in milestones), Decimal("0.00"))
        amount = reader.money(item, "amount", path, required=False, example="120000.00")
        if amount is not None and milestones and amount != total:
            reader.error(join(path, "amount"),
                         f"must equal the sum of the milestones {total:.2f}, got {amount:.2f}")
        amount = total if amount is None else amount
    else:
        if "milestones" in item:
            reader.error(join(path, "milestones"), "only allowed when schedule is milestones")
        amount = reader.money(item, "amount", path, example="120000.00")
    if schedule is None or amount is None:
        return None
    return FixedPrice(**common, amount=amount, schedule=schedule, milestones=tuple(milestones))


def _ffs_fields(reader: Reader, item: Mapping[str, Any], path: str,
                catalogue: Mapping[str, Decimal]) -> dict[str, Any]:
    services = reader.codes(item, "services", path)
    _known_codes(reader, services, join(path, "services"), catalogue)
    if services is not None and not services:
        reader.error(join(path, "services"), "must name at least one service code")
    return {
        "services": services or (),
        "max_units": reader.integer(item, "max_units", path, required=False, minimum=0,
                                    example="5000"),
        "max_units_per_member_per_day": reader.integer(
            item, "max_units_per_member_per_day", path, required=False, minimum=0),
    }


def _fee_for_service(reader: Reader, item: Mapping[str, Any], path: str,
                     common: dict[str, Any], catalogue: Mapping[str, Decimal]) -> Component | None:
    fields = _ffs_fields(reader, item, path, catalogue)
    minimum = reader.money(item, "guaranteed_minimum", path, required=False, example="5000.00")
    return FeeForService(**common, **fields, guaranteed_minimum=minimum)


def _hybrid(reader: Reader, item: Mapping[str, Any], path: str, common: dict[str, Any],
            catalogue: Mapping[str, Decimal]) -> Component | None:
    floor = reader.money(item, "floor", path, example="18000.00")
    fields = _ffs_fields(reader, item, path, catalogue)
    reconcile = reader.choice(item, "reconcile", path, ("pooled", "member"), default="pooled")
    if floor is None or reconcile is None:
        return None
    return Hybrid(**common, floor=floor, **fields, reconcile=reconcile)


def _bundled(reader: Reader, item: Mapping[str, Any], path: str, common: dict[str, Any],
             catalogue: Mapping[str, Decimal]) -> Component | None:
    service = reader.text(item, "service", path, example="CM")
    if service is not None and service not in catalogue:
        reader.error(join(path, "service"), f'"{service}" is not in the service catalogue '
                                            f"(known codes: {', '.join(sorted(catalogue))})")
    # Without its own rate, an episode is paid at the case-rate code's catalogue rate.
    rate = reader.money(item, "rate", path, required=False, example="450.00")
    if rate is None and "rate" not in item and service is not None and service in catalogue:
        rate = catalogue[service]
    episode_days = reader.integer(item, "episode_days", path, minimum=1, example="90")
    max_renewals = reader.integer(item, "max_renewals", path, required=False, minimum=0) or 0
    included = reader.codes(item, "included_services", path, required=False) or ()
    _known_codes(reader, included, join(path, "included_services"), catalogue)
    if service is None or episode_days is None or rate is None:
        return None
    return Bundled(**common, service=service, rate=rate,
                   episode_days=episode_days, max_renewals=max_renewals,
                   included_services=included)


def _capitation(reader: Reader, item: Mapping[str, Any], path: str, common: dict[str, Any],
                catalogue: Mapping[str, Decimal]) -> Component | None:
    pmpm = reader.money(item, "pmpm", path, example="25.00")
    rule = reader.choice(item, "member_month_rule", path, ("first_of_month", "prorated_days"))
    if pmpm is None or rule is None:
        return None
    return Capitation(**common, pmpm=pmpm, member_month_rule=rule)


def _target(reader: Reader, raw: Any, path: str, extra: tuple[str, ...] = ()) -> Target | None:
    item = reader.mapping(raw, path, "a mapping {metric, target, direction}")
    if item is None:
        return None
    reader.no_unknown(item, path, ("metric", "target", "direction", *extra))
    metric = reader.text(item, "metric", path, example="follow-up-7d")
    target = reader.decimal(item, "target", path, example="0.80")
    direction = reader.choice(item, "direction", path, DIRECTIONS, default="at_least")
    if metric is None or target is None or direction is None:
        return None
    return Target(metric, target, direction)


def _performance(reader: Reader, item: Mapping[str, Any], path: str, common: dict[str, Any],
                 catalogue: Mapping[str, Decimal]) -> Component | None:
    bonuses: list[Bonus] = []
    raw_bonuses = item.get("bonuses")
    bpath = join(path, "bonuses")
    if raw_bonuses is not None:
        for index, raw in enumerate(reader.sequence(raw_bonuses, bpath,
                                                    "{metric, target, direction, amount}") or []):
            epath = join(bpath, index)
            goal = _target(reader, raw, epath, ("amount",))
            amount = (reader.money(raw, "amount", epath, example="2500.00")
                      if isinstance(raw, Mapping) else None)
            if goal is not None and amount is not None:
                bonuses.append(Bonus(goal, amount))
    penalties = None
    raw_penalties = item.get("penalties")
    if raw_penalties is not None:
        ppath = join(path, "penalties")
        entry = reader.mapping(raw_penalties, ppath, "a mapping {first, step_percent, step_mode}")
        if entry is not None:
            reader.no_unknown(entry, ppath, ("first", "step_percent", "step_mode"))
            first = reader.money(entry, "first", ppath, example="1000.00")
            step = reader.decimal(entry, "step_percent", ppath, example="5", low=ZERO)
            mode = reader.choice(entry, "step_mode", ppath, ("linear", "compound"),
                                 default="linear")
            if first is not None and step is not None and mode is not None:
                penalties = Penalties(first, step, mode)
    if raw_bonuses is None and raw_penalties is None:
        reader.error(path, "a performance component needs bonuses, penalties or both")
    return Performance(**common, bonuses=tuple(bonuses), penalties=penalties)


def _quality_metrics(reader: Reader, item: Mapping[str, Any], path: str) -> tuple[Target, ...]:
    raw = item.get("quality_metrics")
    if raw is None:
        return ()
    qpath = join(path, "quality_metrics")
    goals = [_target(reader, entry, join(qpath, index))
             for index, entry in enumerate(reader.sequence(raw, qpath,
                                                           "{metric, target, direction}") or [])]
    return tuple(goal for goal in goals if goal is not None)


def _shared_savings(reader: Reader, item: Mapping[str, Any], path: str,
                    common: dict[str, Any], catalogue: Mapping[str, Decimal]) -> Component | None:
    benchmark = reader.money(item, "benchmark", path, required=False, example="12500000.00")
    net_of = reader.codes(item, "net_of", path, required=False, example="guarantee") or ()
    min_rate = reader.decimal(item, "min_rate", path, example="0.40", low=ZERO, high=ONE)
    max_rate = reader.decimal(item, "max_rate", path, example="0.50", low=ZERO, high=ONE)
    if min_rate is not None and max_rate is not None and max_rate < min_rate:
        reader.error(join(path, "max_rate"), f"must be at least min_rate {min_rate}, "
                                             f"got {max_rate}")
    metrics = _quality_metrics(reader, item, path)
    msr = reader.decimal(item, "minimum_savings_rate", path, required=False, example="0.02",
                         low=ZERO, high=ONE)
    cap = reader.money(item, "cap", path, required=False, example="500000.00")
    cap_first = reader.boolean(item, "cap_first", path, default=False)
    if min_rate is None or max_rate is None:
        return None
    return SharedSavings(**common, benchmark=benchmark, net_of=net_of, min_rate=min_rate,
                         max_rate=max_rate, quality_metrics=metrics, minimum_savings_rate=msr,
                         cap=cap, cap_first=cap_first)


def _shared_losses(reader: Reader, item: Mapping[str, Any], path: str, common: dict[str, Any],
                   catalogue: Mapping[str, Decimal]) -> Component | None:
    benchmark = reader.money(item, "benchmark", path, required=False, example="12500000.00")
    rate = reader.decimal(item, "rate", path, example="0.30", low=ZERO, high=ONE)
    threshold = reader.decimal(item, "threshold_rate", path, required=False, example="0.02",
                               low=ZERO, high=ONE)
    cap = reader.money(item, "cap", path, required=False, example="250000.00")
    if rate is None:
        return None
    return SharedLosses(**common, benchmark=benchmark, rate=rate, threshold_rate=threshold,
                        cap=cap)


def _outcome_based(reader: Reader, item: Mapping[str, Any], path: str,
                   common: dict[str, Any], catalogue: Mapping[str, Decimal]) -> Component | None:
    unit_rate = reader.money(item, "unit_rate", path, example="40.00")
    engagement = reader.money(item, "engagement_amount", path, required=False,
                              example="60.00") or Decimal("0.00")
    budget = reader.money(item, "budget", path, required=False, example="250000.00")
    pathways: dict[str, Decimal] = {}
    ppath = join(path, "pathways")
    raw = item.get("pathways")
    if raw is None:
        reader.error(ppath, "required (a mapping of pathway id to units such as {housing: 3})")
    else:
        entries = reader.mapping(raw, ppath, "a mapping of pathway id to units such as "
                                             "{housing: 3}")
        for name, units in (entries or {}).items():
            value = reader.decimal({"u": units}, "u", join(ppath, str(name)), example="3",
                                   low=ZERO)
            if value is not None:
                pathways[str(name)] = value
    if unit_rate is None:
        return None
    return OutcomeBased(**common, unit_rate=unit_rate, pathways=pathways,
                        engagement_amount=engagement, budget=budget)


def _prepayment(reader: Reader, item: Mapping[str, Any], path: str, common: dict[str, Any],
                catalogue: Mapping[str, Decimal]) -> Component | None:
    amount = reader.money(item, "amount", path, example="50000.00")
    recoup = reader.decimal(item, "recoup_rate", path, example="0.10", low=ZERO, high=ONE)
    if amount is None or recoup is None:
        return None
    return Prepayment(**common, amount=amount, recoup_rate=recoup)


def _flexible_funds(reader: Reader, item: Mapping[str, Any], path: str,
                    common: dict[str, Any], catalogue: Mapping[str, Decimal]) -> Component | None:
    per_member = reader.money(item, "per_member", path, example="500.00")
    per = reader.choice(item, "per", path, ("year", "term"), default="year")
    categories = reader.codes(item, "categories", path, example="utilities")
    if categories is not None and not categories:
        reader.error(join(path, "categories"), "must name at least one spending category")
    if per_member is None or per is None or categories is None:
        return None
    return FlexibleFunds(**common, per_member=per_member, per=per, categories=categories)


_BUILDERS = {
    "fixed_price": _fixed_price,
    "fee_for_service": _fee_for_service,
    "bundled": _bundled,
    "capitation": _capitation,
    "hybrid": _hybrid,
    "performance": _performance,
    "shared_savings": _shared_savings,
    "shared_losses": _shared_losses,
    "outcome_based": _outcome_based,
    "prepayment": _prepayment,
    "flexible_funds": _flexible_funds,
}


def _cross_checks(reader: Reader, components: list[Component], raw_items: list[Any]) -> None:
    """Rules that span components: one payer per service, known references."""
    index_of = {
        raw.get("id"): index for index, raw in enumerate(raw_items) if isinstance(raw, Mapping)
    }
    paid_by: dict[str, str] = {}
    ids = [component.id for component in components]
    for component in components:
        path = join("components", index_of.get(component.id, 0))
        if isinstance(component, FeeForService | Hybrid):
            for position, code in enumerate(component.services):
                if code in paid_by:
                    reader.error(join(join(path, "services"), position),
                                 f'"{code}" is already paid by component "{paid_by[code]}"; '
                                 "a service may be paid by one fee-for-service component only")
                else:
                    paid_by[code] = component.id
        if isinstance(component, SharedSavings):
            for position, other in enumerate(component.net_of):
                if other == component.id or other not in ids:
                    reader.error(join(join(path, "net_of"), position),
                                 f'"{other}" is not another component of these terms '
                                 f"(component ids: {', '.join(ids)})")
