from __future__ import annotations

from typing import Any

from django import forms

from carehub.notifications.kinds import Channel, Kind


class PreferencesForm(forms.Form):
    """One choice of channel per kind (the page draws it as a table: kind x channel)."""

    def __init__(self, *args: Any, initial_channels: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=Channel.choices,
                initial=initial_channels.get(kind.value), widget=forms.RadioSelect)
