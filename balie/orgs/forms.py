from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Log in with e-mail address and password; the address is not case-sensitive."""

    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "This e-mail address and password do not match. Mind that the password is "
            "case-sensitive."
        ),
    }

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "utrecht-textbox")


class SingleSignOnForm(forms.Form):
    """The first step of logging in with the library's own account: which library is yours,
    told by the domain of your work address."""

    email = forms.EmailField(
        label=_("Your work e-mail"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "class": "utrecht-textbox"}),
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()
