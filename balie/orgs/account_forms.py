"""Forms of the accounts that look after themselves (orgs/accounts.py)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _

from balie.orgs import accounts
from balie.orgs.models import Organisation, User


def _textboxes(form: forms.Form) -> None:
    for field in form.fields.values():
        if not isinstance(field.widget, (forms.CheckboxInput, forms.RadioSelect)):
            field.widget.attrs.setdefault("class", "utrecht-textbox")


def plain_password_fields(form: forms.Form) -> None:
    """Django's help under a new password is a formal list; one plain sentence instead."""
    _textboxes(form)
    form.fields["new_password1"].help_text = _(
        "At least 10 characters. Not like your name or e-mail address, and not a well-known "
        "password."
    )
    form.fields["new_password2"].help_text = ""


class ActivationForm(SetPasswordForm):
    """Choose a password and accept the privacy notice: the account is ready."""

    accept_privacy = forms.BooleanField(
        label=_("I have read the privacy notice and agree."),
        error_messages={"required": _("Read the privacy notice and tick the box.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        plain_password_fields(self)

    def save(self, commit: bool = True) -> User:
        accounts.activate(self.user, password=self.cleaned_data["new_password1"])
        return self.user


class NewPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        plain_password_fields(self)


class ForgottenPasswordForm(PasswordResetForm):
    """The same answer whether the address exists or not. The e-mail goes out in the
    background; someone who never activated gets a new invitation instead."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-mail address")
        _textboxes(self)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def save(self, **kwargs) -> None:
        from balie.orgs import tasks

        person = User.objects.filter(email=self.cleaned_data["email"], is_active=True).first()
        if person is None:
            return
        if person.has_usable_password():
            tasks.send_password_reset.enqueue(person.pk)
        else:
            accounts.invite_on_commit(person, again=True)


# --- Mijn gegevens ----------------------------------------------------------------------------


class ProfileForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    class Meta:
        model = User
        fields = ["full_name", "language"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("language", settings.LANGUAGE_CODE)
        if not self.initial.get("language"):
            self.initial["language"] = settings.LANGUAGE_CODE
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"
        _textboxes(self)


class OwnPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        plain_password_fields(self)
        # The page has three forms; the first field of the third does not take the focus.
        self.fields["old_password"].widget.attrs.pop("autofocus", None)


class EmailChangeForm(forms.Form):
    """A new address, confirmed with the current password."""

    email = forms.EmailField(
        label=_("New e-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    current_password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        _textboxes(self)

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.user.pk).exists():
            raise forms.ValidationError(
                _("This e-mail address cannot be used. Choose another one or ask your manager.")
            )
        return email

    def clean_current_password(self) -> str:
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your current password."))
        return password


# --- Ons team ---------------------------------------------------------------------------------


class ColleagueForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"))
    branch = forms.ModelChoiceField(
        label=_("Branch"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("(none)"),
    )

    def __init__(self, *args, library: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = library.children.filter(
            kind=Organisation.Kind.BRANCH
        ).order_by("name")
        _textboxes(self)
        self.fields["branch"].widget.attrs["class"] = "utrecht-select"
