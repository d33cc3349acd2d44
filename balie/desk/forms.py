from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from balie.desk.models import Channel, Need, Offer, OfferKind
from balie.lib.forms import StyledForm
from balie.orgs.models import Organisation, User


def branches_of(library: Organisation):
    return Organisation.objects.filter(parent=library, kind=Organisation.Kind.BRANCH).order_by(
        "name"
    )


def staff_of(library: Organisation):
    return (
        User.objects.filter(memberships__organisation=library, is_active=True)
        .distinct()
        .order_by("full_name")
    )


class OfferForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=OfferKind.choices)
    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        help_text=_('As the desk says it, e.g. "Taalcafé Deurne".'),
    )
    needs = forms.MultipleChoiceField(
        label=_("For which needs"),
        choices=Need.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The tally shows this offer first for these needs."),
    )
    schedule = forms.CharField(
        label=_("When"),
        max_length=200,
        required=False,
        help_text=_('E.g. "every Wednesday, 2–4 pm".'),
    )
    branch = forms.ModelChoiceField(
        label=_("Branch"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Several branches"),
    )
    owner = forms.ModelChoiceField(
        label=_("Colleague who owns it"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody in particular"),
    )
    description = forms.CharField(
        label=_("What it is"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For the desk: who it is for, what to say. You can use Markdown."),
    )
    takes_appointments = forms.BooleanField(
        label=_("Takes appointments"),
        required=False,
        help_text=_("The desk can book a warm hand-over in a Taalhuis colleague's free time."),
    )
    position = forms.IntegerField(
        label=_("Position"),
        min_value=0,
        max_value=999,
        initial=0,
        required=False,
        help_text=_("Lower numbers come first in their group."),
    )

    def __init__(self, *args, library: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches_of(library)
        self.fields["owner"].queryset = staff_of(library)

    @classmethod
    def initial_for(cls, offer: Offer) -> dict:
        return {
            "kind": offer.kind,
            "name": offer.name,
            "needs": offer.needs,
            "schedule": offer.schedule,
            "branch": offer.branch_id,
            "owner": offer.owner_id,
            "description": offer.description,
            "takes_appointments": offer.takes_appointments,
            "position": offer.position,
        }

    def clean_position(self) -> int:
        return self.cleaned_data.get("position") or 0


class TallyForm(StyledForm):
    """The tally without JavaScript: three fieldsets and the warm/not warm buttons."""

    need = forms.ChoiceField(
        label=_("1. What does the customer need?"),
        choices=Need.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the customer needs.")},
    )
    offer = forms.ModelChoiceField(
        label=_("2. Where do you refer them?"),
        queryset=Offer.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose the offer you referred to.")},
    )
    warm = forms.TypedChoiceField(
        label=_("3. How?"),
        choices=[("1", _("Warm")), ("0", _("Not warm"))],
        coerce=lambda value: value == "1",
        error_messages={"required": _("Choose warm or not warm.")},
    )
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Organisation.objects.none(), required=False
    )
    channel = forms.ChoiceField(label=_("How they came"), choices=Channel.choices)

    def __init__(self, *args, library: Organisation, offers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offer"].queryset = offers
        self.fields["branch"].queryset = branches_of(library)
