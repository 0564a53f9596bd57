"""The criteria builder: a form for every rule `core.eligibility` knows, turned into the
criteria YAML (what is saved and run) and back, so people can switch between the form
and the text. The YAML is always checked by `parse_criteria`, whose messages name the
key; those are put on the form field that key comes from."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import yaml
from django import forms

from carehub.core.eligibility import MEASURES, CriteriaError, parse_criteria
from carehub.core.textinput import TextInputError, parse_yaml

PRODUCTS = [("medicaid", "Medicaid"), ("medicare_advantage", "Medicare Advantage"),
            ("dsnp", "Dual-eligible special needs plan (D-SNP)"), ("commercial", "Commercial")]
# Named code groups for the tick boxes; any other prefix goes in "other codes".
CONDITION_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "heart_failure": ("Heart failure", ("I50",)),
    "diabetes": ("Diabetes", ("E10", "E11")),
    "copd": ("COPD", ("J44",)),
    "ckd": ("Chronic kidney disease", ("N18",)),
    "hypertension": ("Hypertension", ("I10",)),
    "depression": ("Depression", ("F32", "F33")),
    "asthma": ("Asthma", ("J45",)),
    "smi": ("Serious mental illness", ("F20", "F31")),
}
SOCIAL_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "food": ("Food insecurity", ("Z59.4",)),
    "housing": ("Housing instability", ("Z59.81",)),
    "homelessness": ("Homelessness", ("Z59.0",)),
    "housing_quality": ("Inadequate housing", ("Z59.1",)),
    "transportation": ("Transportation", ("Z59.82",)),
    "utilities": ("Utilities", ("Z59.86", "Z59.12")),
}
RANK_CHOICES = [("", "—")] + [(m, m.replace("_", " ")) for m in MEASURES]
ORDER_CHOICES = [("desc", "highest first"), ("asc", "lowest first")]
RANK_SLOTS = 3
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$")

# Where a criteria error's key lands on the form.
FIELD_OF_KEY: list[tuple[str, str]] = [
    ("require.product", "products"), ("require.enrolled", "enrolled"),
    ("require.age", "age_min"), ("require.geography.zips", "zips"),
    ("require.geography", "counties"), ("require.conditions_any.lookback", "condition_lookback_days"),
    ("require.conditions_any", "condition_codes"),
    ("require.social_needs_any.lookback", "social_lookback_days"),
    ("require.social_needs_any", "social_codes"), ("require.risk_score", "risk_min"),
    ("require.pcp_npi", "pcp_npi"), ("require.discharge.min_nights", "discharge_min_nights"),
    ("require.discharge", "discharge_within_days"), ("exclude.hospice", "exclude_hospice"),
    ("exclude.product", "exclude_products"),
    ("exclude.conditions_any.lookback", "exclude_lookback_days"),
    ("exclude.conditions_any", "exclude_codes"), ("rank", "rank_1_by"), ("cap", "cap"),
    ("as_of", "as_of"), ("population", "population"),
]


def _codes(text: str) -> list[str]:
    return [c for c in re.split(r"[\s,;]+", text.strip()) if c]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _number(value: Decimal | float | int) -> float | int:
    number = float(value)
    return int(number) if number.is_integer() else number


class CriteriaForm(forms.Form):
    name = forms.CharField(max_length=120, label="Name of this criteria set",
                           help_text="Saving under the same name adds a new version.")
    population = forms.CharField(max_length=120, label="Population (program)",
                                 initial="post-discharge-meals")
    as_of = forms.DateField(label="As of", help_text="Ages, enrolment and look-backs are "
                            "measured from this day (YYYY-MM-DD).",
                            widget=forms.DateInput(attrs={"type": "date"}))
    products = forms.MultipleChoiceField(choices=PRODUCTS, required=False,
                                         widget=forms.CheckboxSelectMultiple,
                                         label="Products (any of)")
    enrolled = forms.BooleanField(required=False, initial=True,
                                  label="Enrolled on the as-of day")
    age_min = forms.IntegerField(required=False, min_value=0, max_value=130, label="Age from")
    age_max = forms.IntegerField(required=False, min_value=0, max_value=130, label="Age to")
    counties = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                               label="Counties", help_text='One a line, as "Erie, NY".')
    zips = forms.CharField(required=False, label="Zip codes",
                           help_text="Five digits, separated by commas or spaces. A member "
                                     "in a listed county or zip qualifies.")
    condition_groups = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Conditions (any of)",
        choices=[(k, f"{label} ({', '.join(codes)})")
                 for k, (label, codes) in CONDITION_GROUPS.items()])
    condition_codes = forms.CharField(required=False, label="Other condition codes",
                                      help_text="ICD-10-CM prefixes, e.g. I50.2, E11.")
    condition_lookback_days = forms.IntegerField(min_value=1, initial=365, required=False,
                                                 label="Conditions: look back (days)")
    social_groups = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Social needs, Z codes (any of)",
        choices=[(k, f"{label} ({', '.join(codes)})")
                 for k, (label, codes) in SOCIAL_GROUPS.items()])
    social_codes = forms.CharField(required=False, label="Other Z codes")
    social_lookback_days = forms.IntegerField(min_value=1, initial=365, required=False,
                                              label="Social needs: look back (days)")
    risk_min = forms.DecimalField(required=False, min_value=0, decimal_places=3,
                                  label="Risk score from")
    risk_max = forms.DecimalField(required=False, min_value=0, decimal_places=3,
                                  label="Risk score to")
    discharge_within_days = forms.IntegerField(required=False, min_value=0,
                                               label="Discharged from hospital within (days)")
    discharge_min_nights = forms.IntegerField(required=False, min_value=0,
                                              label="Stay of at least (nights)")
    pcp_npi = forms.CharField(required=False, label="Primary care NPIs",
                              help_text="10 digits each, separated by commas or spaces.")
    exclude_hospice = forms.BooleanField(required=False, initial=True,
                                         label="Exclude members in hospice")
    exclude_products = forms.MultipleChoiceField(choices=PRODUCTS, required=False,
                                                 widget=forms.CheckboxSelectMultiple,
                                                 label="Exclude products")
    exclude_codes = forms.CharField(required=False, label="Exclude members with these codes",
                                    help_text="ICD-10-CM prefixes, e.g. N18.6 (end-stage renal).")
    exclude_lookback_days = forms.IntegerField(min_value=1, initial=365, required=False,
                                               label="Exclusion codes: look back (days)")
    cap = forms.IntegerField(required=False, min_value=1, label="Cap (members selected)",
                             help_text="Empty: everyone eligible is selected.")
    rank_1_by = forms.ChoiceField(choices=RANK_CHOICES, required=False, label="Rank first by")
    rank_1_order = forms.ChoiceField(choices=ORDER_CHOICES, required=False, label="Order")
    rank_2_by = forms.ChoiceField(choices=RANK_CHOICES, required=False, label="Then by")
    rank_2_order = forms.ChoiceField(choices=ORDER_CHOICES, required=False, label="Order")
    rank_3_by = forms.ChoiceField(choices=RANK_CHOICES, required=False, label="Then by")
    rank_3_order = forms.ChoiceField(choices=ORDER_CHOICES, required=False, label="Order")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not NAME_RE.match(name):
            raise forms.ValidationError("Letters, digits, spaces, dots, dashes and "
                                        "underscores only.")
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for low, high, what in (("age_min", "age_max", "age"), ("risk_min", "risk_max", "risk score")):
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(high, f"The {what} range ends before it starts.")
        if data.get("discharge_min_nights") is not None and data.get("discharge_within_days") is None:
            self.add_error("discharge_within_days", "Give the days when asking for a stay length.")
        if self.errors:
            return data
        try:
            parse_criteria(form_to_data(data))
        except CriteriaError as exc:
            self.add_error(field_for(str(exc)), str(exc))
        return data


def field_for(message: str) -> str | None:
    """The form field a criteria error's key belongs to (None: the whole form)."""
    for key, name in FIELD_OF_KEY:
        if key in message:
            return name
    return None


def _group_codes(chosen: list[str], groups: Mapping[str, tuple[str, tuple[str, ...]]],
                 other: str) -> list[str]:
    codes = [c for g in chosen for c in groups[g][1]]
    return list(dict.fromkeys([*codes, *_codes(other)]))


def form_to_data(d: Mapping[str, Any]) -> dict[str, Any]:
    """The criteria document (as parse_criteria reads it) for the form's cleaned data."""
    require: dict[str, Any] = {}
    if d.get("products"):
        require["product"] = list(d["products"])
    if d.get("enrolled"):
        require["enrolled"] = True
    age = {k: d[f"age_{k}"] for k in ("min", "max") if d.get(f"age_{k}") is not None}
    if age:
        require["age"] = age
    geography: dict[str, Any] = {}
    if _lines(d.get("counties") or ""):
        geography["counties"] = _lines(d["counties"])
    if _codes(d.get("zips") or ""):
        geography["zips"] = _codes(d["zips"])
    if geography:
        require["geography"] = geography
    conditions = _group_codes(d.get("condition_groups") or [], CONDITION_GROUPS,
                              d.get("condition_codes") or "")
    if conditions:
        require["conditions_any"] = {"icd10": conditions,
                                     "lookback_days": d.get("condition_lookback_days") or 365}
    social = _group_codes(d.get("social_groups") or [], SOCIAL_GROUPS, d.get("social_codes") or "")
    if social:
        require["social_needs_any"] = {"icd10": social,
                                       "lookback_days": d.get("social_lookback_days") or 365}
    risk = {k: _number(d[f"risk_{k}"]) for k in ("min", "max") if d.get(f"risk_{k}") is not None}
    if risk:
        require["risk_score"] = risk
    if _codes(d.get("pcp_npi") or ""):
        require["pcp_npi"] = _codes(d["pcp_npi"])
    if d.get("discharge_within_days") is not None:
        discharge = {"within_days": d["discharge_within_days"]}
        if d.get("discharge_min_nights"):
            discharge["min_nights"] = d["discharge_min_nights"]
        require["discharge"] = discharge
    exclude: dict[str, Any] = {}
    if d.get("exclude_hospice"):
        exclude["hospice"] = True
    if d.get("exclude_products"):
        exclude["product"] = list(d["exclude_products"])
    if _codes(d.get("exclude_codes") or ""):
        exclude["conditions_any"] = {"icd10": _codes(d["exclude_codes"]),
                                     "lookback_days": d.get("exclude_lookback_days") or 365}
    doc: dict[str, Any] = {"population": (d.get("population") or "population").strip(),
                           "as_of": d.get("as_of")}
    if require:
        doc["require"] = require
    if exclude:
        doc["exclude"] = exclude
    rank = [{"by": d[f"rank_{i}_by"], "order": d.get(f"rank_{i}_order") or "desc"}
            for i in range(1, RANK_SLOTS + 1) if d.get(f"rank_{i}_by")]
    if rank:
        rank.append({"by": "member_id", "order": "asc"})
        doc["rank"] = rank
    if d.get("cap"):
        doc["cap"] = d["cap"]
    return doc


def to_yaml(doc: Mapping[str, Any]) -> str:
    """YAML text with dates as YYYY-MM-DD and the keys in the order written."""
    plain = dict(doc)
    if isinstance(plain.get("as_of"), date):
        plain["as_of"] = plain["as_of"]  # safe_dump writes a date as YYYY-MM-DD
    return yaml.safe_dump(plain, sort_keys=False, allow_unicode=True, default_flow_style=None,
                          width=100)


class NotOnTheForm(ValueError):
    """YAML using a rule the form has no field for: keep editing it as text."""


FORM_RULES = {
    "require": {"product", "enrolled", "age", "geography", "conditions_any",
                "social_needs_any", "risk_score", "pcp_npi", "discharge"},
    "exclude": {"hospice", "product", "conditions_any"},
}


def _split_groups(codes: list[str], groups: Mapping[str, tuple[str, tuple[str, ...]]]
                  ) -> tuple[list[str], str]:
    left = [str(c) for c in codes]
    chosen = []
    for key, (_, group) in groups.items():
        if all(c in left for c in group):
            chosen.append(key)
            left = [c for c in left if c not in group]
    return chosen, ", ".join(left)


def yaml_to_initial(text: str) -> dict[str, Any]:
    """The form's values for a criteria YAML text. CriteriaError (naming the key) when the
    text is not valid criteria; NotOnTheForm when it uses a rule the form lacks."""
    try:
        doc = parse_yaml(text)
    except TextInputError as exc:
        raise CriteriaError(str(exc)) from None
    criteria = parse_criteria(doc)
    for scope in ("require", "exclude"):
        extra = set(doc.get(scope) or {}) - FORM_RULES[scope]
        if extra:
            raise NotOnTheForm(f"{scope}.{sorted(extra)[0]} has no field on the form; "
                               "keep editing these criteria as YAML.")
    rank = [k for k in criteria.rank if k.by != "member_id"]
    if len(rank) > RANK_SLOTS or (criteria.rank and criteria.rank[-1].by != "member_id"
                                  and any(k.by == "member_id" for k in criteria.rank)):
        raise NotOnTheForm(f"rank: the form takes up to {RANK_SLOTS} measures then member_id; "
                           "keep editing these criteria as YAML.")
    req, excl = criteria.require, criteria.exclude
    initial: dict[str, Any] = {
        "population": criteria.population, "as_of": criteria.as_of,
        "products": list(req.product or []), "enrolled": bool(req.enrolled),
        "age_min": None if not req.age or req.age.min is None else int(req.age.min),
        "age_max": None if not req.age or req.age.max is None else int(req.age.max),
        "counties": "\n".join(req.counties or ()), "zips": ", ".join(req.zips or ()),
        "risk_min": None if not req.risk_score else req.risk_score.min,
        "risk_max": None if not req.risk_score else req.risk_score.max,
        "pcp_npi": ", ".join(req.pcp_npi or ()),
        "discharge_within_days": req.discharge.within_days if req.discharge else None,
        "discharge_min_nights": (req.discharge.min_nights or None) if req.discharge else None,
        "exclude_hospice": bool(excl.hospice), "exclude_products": list(excl.product or []),
        "exclude_codes": ", ".join(excl.conditions_any.prefixes) if excl.conditions_any else "",
        "exclude_lookback_days": (excl.conditions_any.lookback_days if excl.conditions_any
                                  else 365),
        "cap": criteria.cap,
    }
    if req.enrolled is False or excl.hospice is False:
        raise NotOnTheForm("enrolled: false and hospice: false have no field on the form; "
                           "keep editing these criteria as YAML.")
    for prefix, rule, groups in (("condition", req.conditions_any, CONDITION_GROUPS),
                                 ("social", req.social_needs_any, SOCIAL_GROUPS)):
        chosen, other = _split_groups(list(rule.prefixes), groups) if rule else ([], "")
        initial[f"{prefix}_groups"] = chosen
        initial[f"{prefix}_codes"] = other
        initial[f"{prefix}_lookback_days"] = rule.lookback_days if rule else 365
    for i, key in enumerate(rank, start=1):
        initial[f"rank_{i}_by"] = key.by
        initial[f"rank_{i}_order"] = "desc" if key.descending else "asc"
    return initial


def initial_as_data(initial: Mapping[str, Any]) -> dict[str, Any]:
    """Form data (as a browser would post it) for initial values: bound, so the page
    shows exactly what the YAML said."""
    data: dict[str, Any] = {}
    for key, value in initial.items():
        if value is None or value is False:
            continue
        if value is True:
            data[key] = "on"
        elif isinstance(value, list):
            data[key] = value
        else:
            data[key] = str(value) if not isinstance(value, float) else str(_number(value))
    return data


class CriteriaYamlForm(forms.Form):
    name = forms.CharField(max_length=120, label="Name of this criteria set")
    yaml = forms.CharField(widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false",
                                                        "class": "mono"}),
                           label="Criteria (YAML)")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not NAME_RE.match(name):
            raise forms.ValidationError("Letters, digits, spaces, dots, dashes and "
                                        "underscores only.")
        return name

    def clean_yaml(self) -> str:
        text = self.cleaned_data["yaml"].replace("\r\n", "\n")
        try:
            parse_criteria(parse_yaml(text))
        except TextInputError as exc:
            raise forms.ValidationError(str(exc)) from None
        except CriteriaError as exc:
            raise forms.ValidationError(str(exc)) from None
        return text if text.endswith("\n") else text + "\n"
