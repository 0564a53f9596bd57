"""The terms page's words: a stored or proposed terms version, rendered for people.

Reads the typed terms (`carehub.core.terms`) and words them with
`carehub.core.terms_words`; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from carehub.contracts.models import Contract
from carehub.core.terms import Terms, TermsError, load_terms, parse_terms_text
from carehub.core.terms_words import ComponentText, describe, describe_services


@dataclass(frozen=True)
class TermsWords:
    """What the page shows: the fee schedule and each component, or the errors."""

    services: list[str] = field(default_factory=list)
    components: list[ComponentText] = field(default_factory=list)
    billing: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)


def _words(terms: Terms) -> TermsWords:
    billing = "member-level claims" if terms.billing == "claims" else "an aggregate invoice"
    return TermsWords(services=describe_services(terms), components=describe(terms),
                      billing=billing)


def words_of_document(document: Any) -> TermsWords:
    """A saved version's parsed document (validated when it was saved) in words."""
    try:
        return _words(load_terms(document))
    except TermsError as exc:
        return TermsWords(errors=list(exc.errors))


def preview(contract: Contract, text: str, filename: str = "terms.yaml") -> TermsWords:
    """Proposed terms text in words, or every error with its path, as saving would say."""
    try:
        terms = parse_terms_text(text, filename)
    except TermsError as exc:
        return TermsWords(errors=list(exc.errors))
    if terms.contract != contract.code:
        return TermsWords(errors=[("contract", f"must be {contract.code}, this contract's id, "
                                               f"got {terms.contract!r}")])
    return _words(terms)


def preview_form(contract: Contract, form: Any) -> tuple[TermsWords, str]:
    """The words (or errors) for a submitted terms form, and the text to keep in it."""
    if not form.is_valid():
        problems = [(name, " ".join(str(e) for e in errs))
                    for name, errs in form.errors.items()]
        return TermsWords(errors=[("(form)" if name == "__all__" else name, message)
                                  for name, message in problems]), form.data.get("document", "")
    text, filename = form.text_and_name()
    return preview(contract, text, filename), text
