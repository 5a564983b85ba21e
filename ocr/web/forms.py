from __future__ import annotations

from typing import Any

from django import forms

from ocr.engine.workflow import READY_WORKFLOWS


def workflow_choices() -> list[tuple[str, str]]:
    return [(key, str(spec["name"])) for key, spec in READY_WORKFLOWS.items()]


class AppForm(forms.Form):
    name = forms.CharField(max_length=200, strip=True)
    workflow = forms.ChoiceField(choices=workflow_choices, initial="default")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, as Django's documentation shows it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField()
    text_layer = forms.BooleanField(required=False)
