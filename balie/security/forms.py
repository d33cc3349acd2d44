from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from balie.security import totp


def code_field() -> forms.CharField:
    """Six digits from the app: a number keyboard on phones, and the browser or password
    manager may fill it in (autocomplete="one-time-code")."""
    return forms.CharField(
        label=_("Code from your app"),
        max_length=7,  # "123 456" as some apps show it
        widget=forms.TextInput(
            attrs={
                "class": "utrecht-textbox",
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "size": 8,
            }
        ),
        help_text=_("The 6 digits your authenticator app shows now."),
    )


class TurnOnForm(forms.Form):
    """Confirms that the app was set up right: its current code matches the new secret."""

    code = code_field()

    def __init__(self, *args, secret: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.secret = secret

    def clean_code(self) -> int:
        counter = totp.matching_counter(self.secret, self.cleaned_data["code"])
        if counter is None:
            raise forms.ValidationError(
                _(
                    "This code does not match. Check that the time on your phone is right, "
                    "and type the code that your app shows now."
                )
            )
        return counter


class CodeForm(forms.Form):
    """The second step at login: a code from the app."""

    code = code_field()


class RecoveryCodeForm(forms.Form):
    """The second step with a recovery code, when the phone is lost."""

    recovery_code = forms.CharField(
        label=_("Recovery code"),
        max_length=24,
        widget=forms.TextInput(
            attrs={"class": "utrecht-textbox", "autocomplete": "off", "spellcheck": "false"}
        ),
        help_text=_("One of the codes you saved when you turned on two-step verification."),
    )


class TurnOffForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your app or a recovery code"),
        max_length=24,
        # A recovery code has letters: no number keyboard here.
        widget=forms.TextInput(attrs={"class": "utrecht-textbox", "autocomplete": "one-time-code"}),
        help_text=_("The 6 digits your app shows now, or one of your recovery codes."),
    )
    confirm = forms.BooleanField(
        label=_("Yes, turn off two-step verification"),
        error_messages={"required": _("Tick the box to confirm.")},
    )
