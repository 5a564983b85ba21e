from __future__ import annotations

from typing import Any

from django import forms

from ocr.engine.gallery import get_model, unavailable
from ocr.engine.workflow import READY_WORKFLOWS
from ocr.models import App, Input, Run


def workflow_choices() -> list[tuple[str, str]]:
    """The ready workflows, marked when one of their models is not installed here."""
    return [
        (key, str(spec["name"]) + ("" if _installed(spec["nodes"]) else " (not installed)"))
        for key, spec in READY_WORKFLOWS.items()
    ]


def _installed(nodes: list[dict[str, Any]]) -> bool:
    return all(unavailable(get_model(node["model"])) is None for node in nodes)


def app_workflow_choices(app: App) -> list[tuple[str, str]]:
    """The ready workflows, then the app's saved ones (referred to by id, as the API does)."""
    saved = [(str(w.pk), f"{w.name} (saved)") for w in app.workflows.all()]
    return workflow_choices() + saved


class AppForm(forms.Form):
    name = forms.CharField(max_length=200, strip=True)
    workflow = forms.ChoiceField(choices=workflow_choices, initial="default")


class AppSettingsForm(forms.Form):
    name = forms.CharField(max_length=200, strip=True)
    workflow = forms.ChoiceField(label="Workflow for new uploads")

    def __init__(self, app: App, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"name": app.name, "workflow": app.workflow})
        super().__init__(*args, **kwargs)
        self.fields["workflow"].choices = app_workflow_choices(app)


class RerunForm(forms.Form):
    workflow = forms.ChoiceField(label="Workflow", required=False)
    text_layer = forms.BooleanField(
        label="Use the PDF's own text where it has one (born-digital PDFs: exact and fast)",
        required=False,
    )
    # Sent by the re-run page, which shows the text-layer box: an unticked box reads as absent,
    # and the grid's Retry (no box) must keep the input's choice rather than turn it off.
    reading = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, item: Input, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"text_layer": bool(item.options.get("text_layer"))})
        super().__init__(*args, **kwargs)
        self.fields["workflow"].choices = [
            ("", "The app's workflow"),
            *app_workflow_choices(item.app),
        ]
        if item.kind != Input.Kind.PDF:
            del self.fields["text_layer"]  # only a PDF has a text layer to use

    def chosen_text_layer(self) -> bool | None:
        """The text-layer choice when the form showed it; None keeps the input's own."""
        if "text_layer" not in self.fields or not self.cleaned_data.get("reading"):
            return None
        return bool(self.cleaned_data["text_layer"])


class InputsDeleteForm(forms.Form):
    """The inputs of one app chosen in the grid (?input=1&input=2)."""

    input = forms.ModelMultipleChoiceField(
        queryset=Input.objects.none(),
        error_messages={"required": "Choose the inputs to delete first."},
    )

    def __init__(self, app: App, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["input"].queryset = app.inputs.order_by("name", "pk")  # type: ignore[attr-defined]


class GridFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Show", required=False, choices=[("", "All inputs"), *Run.Status.choices]
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, as Django's documentation shows it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            if not data and self.required:  # an empty list passed as "some files" before
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)]


NO_FILES = "Choose one or more files first, or drop them on the box."


class UploadForm(forms.Form):
    files = MultipleFileField(error_messages={"required": NO_FILES})
    text_layer = forms.BooleanField(required=False)
