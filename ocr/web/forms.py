from __future__ import annotations

from django import forms

from ocr.engine.workflow import READY_WORKFLOWS


def workflow_choices() -> list[tuple[str, str]]:
    return [(key, str(spec["name"])) for key, spec in READY_WORKFLOWS.items()]


class AppForm(forms.Form):
    name = forms.CharField(max_length=200, strip=True)
    workflow = forms.ChoiceField(choices=workflow_choices, initial="default")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class UploadForm(forms.Form):
    files = forms.FileField(widget=MultipleFileInput(attrs={"multiple": True}), required=True)
