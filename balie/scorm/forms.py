from __future__ import annotations

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from balie.scorm.package import Limits, PackageError

MAX_UPLOAD_BYTES = Limits().total_bytes


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
        help_text=_("A SCORM 1.2 or SCORM 2004 package, as your authoring tool exports it."),
    )

    def clean_package(self):
        upload = self.cleaned_data["package"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB."),
                params={"limit": MAX_UPLOAD_BYTES // 2**20},
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
