"""`{% load referral_labels %}`: `{{ value|label:"state" }}` prints a stored code in words
(see carehub.referrals.labels for the vocabularies)."""

from __future__ import annotations

from django import template

from carehub.referrals import labels

register = template.Library()


@register.filter(name="label")
def label(value: object, vocabulary: str) -> str:
    return labels.label(value, vocabulary)


@register.filter(name="domains")
def domains(value: list[str] | tuple[str, ...] | None) -> str:
    return labels.domains_in_words(list(value or []))
