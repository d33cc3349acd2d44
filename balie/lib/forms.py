"""The NL Design System classes on Django's form widgets, so every form looks the same."""

from django import forms
from django.forms.widgets import Input

WIDGET_CLASSES = {
    forms.CheckboxSelectMultiple: "utrecht-checkbox",
    forms.Textarea: "utrecht-textarea",
    forms.RadioSelect: "utrecht-radio-button",
    forms.CheckboxInput: "utrecht-checkbox",
    forms.Select: "utrecht-select",
    Input: "utrecht-textbox",
}


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            for widget_class, css in WIDGET_CLASSES.items():
                if isinstance(field.widget, widget_class):
                    field.widget.attrs.setdefault("class", css)
                    break
