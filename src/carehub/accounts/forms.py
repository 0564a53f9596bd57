from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import validate_password

from carehub.accounts.models import User
from carehub.tenancy.models import Organisation, Role


class LoginForm(forms.Form):
    username = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Six-digit code", max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class NewUserForm(forms.Form):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(choices=Role.choices)
    password = forms.CharField(widget=forms.PasswordInput, help_text="At least 12 characters.")

    def __init__(self, *args, organisation: Organisation, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        from carehub.tenancy.models import ROLES_BY_KIND

        allowed = ROLES_BY_KIND[organisation.kind]
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = [(r, Role(r).label) for r in allowed]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken.")
        return username

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        if cleaned.get("password"):
            user = User(username=cleaned.get("username", ""), first_name=cleaned.get("first_name", ""),
                        last_name=cleaned.get("last_name", ""), email=cleaned.get("email", ""))
            try:
                validate_password(cleaned["password"], user)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return cleaned
