"""Refused htmx form submissions: a 4xx answer whose body is the reason, nothing else.

`static/carehub/forms.js` puts the answer into the submitting form's `[data-form-errors]`
region (role="alert") and leaves the inputs as the user typed them, so the views do not
re-render the form. A form on an htmx page carries the region:
`<div class="form-errors" data-form-errors role="alert"></div>`.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

ERROR_STATUSES = (400, 409, 422)


def form_errors(request: HttpRequest, message: str, form: forms.Form | None = None,
                status: int = 400) -> HttpResponse:
    """The error fragment: `message`, then each field error of `form` named by its label."""
    if status not in ERROR_STATUSES:
        raise ValueError(f"form_errors answers {ERROR_STATUSES}, not {status}")
    problems: list[tuple[str, str]] = []
    if form is not None and form.is_bound:
        for name, errors in form.errors.items():
            label = "" if name == NON_FIELD_ERRORS else str(form[name].label)
            problems.extend((label, str(error)) for error in errors)
    response = render(request, "_form_errors.html", {"message": message, "problems": problems})
    response.status_code = status
    return response
