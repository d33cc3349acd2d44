from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from balie.scorm.package import PackageError


def explain(error: PackageError) -> str:
    """A refused package's reason in the reader's language."""
    params = {
        key: gettext(value) if key == "reason" else value for key, value in error.params.items()
    }
    return gettext(error.message) % params if params else gettext(error.message)


class PackageForm(forms.Form):
    package = forms.FileField(
        label=_("SCORM package (zip file)"),
        validators=[FileExtensionValidator(["zip"])],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["package"].help_text = gettext(
            "A SCORM 1.2 or SCORM 2004 package, as your authoring tool exports it. "
            "At most %(limit)s MB."
        ) % {"limit": settings.BALIE_UPLOAD_MAX_MB}

    def clean_package(self):
        upload = self.cleaned_data["package"]
        if upload.size > settings.BALIE_UPLOAD_MAX_MB * 2**20:
            raise forms.ValidationError(
                _(
                    "The file is larger than %(limit)s MB. Make the package smaller, for "
                    "example with smaller videos, or ask the administrator for a higher limit."
                ),
                params={"limit": settings.BALIE_UPLOAD_MAX_MB},
                code="size",
            )
        return upload


class NewPackageForm(PackageForm):
    title = forms.CharField(
        label=_("Title of the step"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the title in the package."),
    )
