"""The questionnaires. One is answered whole (only the comment may stay empty), so that the
figures of a team stay comparable."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from balie.desk.models import Need, Offer
from balie.insights.models import TimeVerdict
from balie.learning.models import Module
from balie.lib.forms import StyledForm

UNKNOWN = "unknown"


class ScaleField(forms.TypedChoiceField):
    """1 to 5, as radio buttons with a word at each end (`low`, `high`)."""

    def __init__(self, *, label, low, high, **kwargs) -> None:
        super().__init__(
            label=label,
            choices=[(n, str(n)) for n in range(1, 6)],
            coerce=int,
            widget=forms.RadioSelect,
            error_messages={
                "required": _("Choose a number from 1 to 5."),
                "invalid_choice": _("Choose a number from 1 to 5."),
            },
            **kwargs,
        )
        self.low = low
        self.high = high
        self.is_scale = True


def useful_field() -> ScaleField:
    return ScaleField(
        label=_("How useful was it for your work at the desk?"),
        low=_("not useful"),
        high=_("very useful"),
    )


def agree_field(label) -> ScaleField:
    return ScaleField(label=label, low=_("do not agree at all"), high=_("fully agree"))


def comment_field() -> forms.CharField:
    return forms.CharField(
        label=_("Anything else you want to tell us? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Please do not name colleagues or customers."),
    )


class RatingForm(StyledForm):
    """After a team meeting or a carousel station."""

    rating = useful_field()
    comment = comment_field()


class ModuleForm(StyledForm):
    rating = useful_field()
    time_verdict = forms.ChoiceField(
        choices=TimeVerdict.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose one of the answers.")},
    )
    comment = comment_field()

    def __init__(self, *args, module: Module, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_verdict"].label = _(
            "We estimated %(minutes)s minutes for this module. Was that right?"
        ) % {"minutes": module.estimated_minutes}
        self.order_fields(["rating", "time_verdict", "comment"])


class SelfAssessmentForm(StyledForm):
    """What a participant knows and recognises, and a short quiz on their library's own offer:
    "where do you refer someone for …?" for the needs that one of its offers fits."""

    knows_colleagues = agree_field(
        _(
            "I know which colleague I can go to with questions about language, the digital "
            "government and reading aloud."
        )
    )
    recognises_signals = agree_field(
        _("I recognise the signs that someone finds reading, writing or using a computer hard.")
    )

    def __init__(self, *args, offers: list[Offer], needs: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.offers = {str(offer.pk): offer for offer in offers}
        self.needs = needs
        choices = [(pk, offer.name) for pk, offer in self.offers.items()]
        choices.append((UNKNOWN, _("I don't know")))
        for need in needs:
            self.fields[f"quiz_{need}"] = forms.ChoiceField(
                label=_("Where do you refer someone for: %(need)s?") % {"need": Need(need).label},
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose an offer, or “I don't know”."),
                    "invalid_choice": _("Choose an offer, or “I don't know”."),
                },
            )

    @property
    def quiz_fields(self) -> list[forms.BoundField]:
        return [self[f"quiz_{need}"] for need in self.needs]

    def clean(self) -> dict:
        data = super().clean()
        if all(f"quiz_{need}" in data for need in self.needs):
            data["quiz"] = [(need, self.offers.get(data[f"quiz_{need}"])) for need in self.needs]
        return data
