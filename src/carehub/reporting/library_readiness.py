"""The resource library's shipped items: contract, scope-of-work and payment-terms
templates, and the five example payment models (terms as data, said in words). Every
hub's library lists them; they are the same for everyone and read from the package."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from carehub.core.terms import load_terms
from carehub.core.terms_words import describe, describe_overview

HERE = Path(__file__).resolve().parent / "library"
EXAMPLES = Path(__file__).resolve().parents[1] / "core" / "examples" / "terms"
MODELS = (
    ("fee-for-service", "Fee for service", "fee-for-service.yaml"),
    ("capitation", "Capitation", "capitation.yaml"),
    ("bundled", "Bundled case rate", "bundled.yaml"),
    ("pay-for-performance", "Pay for performance", "pay-for-performance.yaml"),
    ("shared-savings", "Shared savings", "camden-shared-savings.yaml"),
)


@dataclass(frozen=True)
class Shipped:
    key: str
    title: str
    kind: str  # a DocumentKind label
    filename: str
    text: str
    words: tuple[str, ...] = ()


def scope_of_work_text() -> str:
    """A scope-of-work template from the contract checklist: each provision, by section
    and heading, with a blank to fill and whether implementation requires it."""
    from carehub.contracts.models import ChecklistItem

    lines = ["# Scope-of-work template", "",
             "Each provision of the scope-of-work checklist, in order. Those marked "
             "(required) must be filled before the contract may move to implementation.", ""]
    section = group = ""
    for item in ChecklistItem.objects.order_by("position"):
        if item.section != section:
            section = item.section
            lines += [f"## {section}", ""]
            group = ""
        if item.group != group:
            group = item.group
            lines += [f"### {group}", ""]
        lines.append(f"- {item.text}{' (required)' if item.required else ''}: [fill]")
    return "\n".join(lines) + "\n"


def shipped() -> list[Shipped]:
    items = [
        Shipped("contract-template", "Contract template", "Contract template",
                "contract-template.md", (HERE / "contract-template.md").read_text("utf-8")),
        Shipped("scope-of-work-template", "Scope-of-work template", "Scope-of-work template",
                "scope-of-work-template.md", scope_of_work_text()),
        Shipped("payment-terms-template", "Payment-terms template", "Payment-terms template",
                "payment-terms-template.md",
                (HERE / "payment-terms-template.md").read_text("utf-8")),
    ]
    for key, title, filename in MODELS:
        text = (EXAMPLES / filename).read_text("utf-8")
        terms = load_terms(yaml.safe_load(text))
        words = tuple(describe_overview(terms)) + tuple(
            f"{c.heading}: {c.summary}" for c in describe(terms))
        items.append(Shipped(key, f"Example payment model: {title}", "Example payment model",
                             filename, text, words))
    return items


def get_shipped(key: str) -> Shipped | None:
    return next((item for item in shipped() if item.key == key), None)
