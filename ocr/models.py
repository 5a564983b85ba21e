"""App, Workflow, Input, Page, Run, Region: what is stored. Writes go through services.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ocr.engine.types import Region as EngineRegion


class App(models.Model):
    """A workspace: its inputs, workflows and results are visible to its owner and members only."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="apps"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="shared_apps", blank=True
    )
    name = models.CharField(max_length=200)
    # A ready workflow id from the engine ("default") or the id of one of this app's workflows.
    workflow = models.CharField(max_length=64, default="default")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.name


class Workflow(models.Model):
    """A saved chain of gallery models with parameters, validated by the engine when saved."""

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="workflows")
    name = models.CharField(max_length=200)
    nodes = models.JSONField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


def input_upload_to(instance: Input, filename: str) -> str:
    return f"inputs/{instance.app_id}/{filename}"


class Input(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image"
        PDF = "pdf"
        VIDEO = "video"

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="inputs")
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.IMAGE)
    file = models.FileField(upload_to=input_upload_to, max_length=500)
    size = models.BigIntegerField(default=0)
    # How to read the file: pdf_dpi, text_layer, video_interval_ms (see ocr.ingest.Options).
    options = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.name


def page_upload_to(instance: Page, filename: str) -> str:
    return f"pages/{instance.input_id}/{filename}"


class Page(models.Model):
    """One page image of an input, as the engine saw it (EXIF orientation applied, RGB)."""

    input = models.ForeignKey(Input, on_delete=models.CASCADE, related_name="pages")
    index = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    image = models.FileField(upload_to=page_upload_to, max_length=500)
    timecode_ms = models.PositiveIntegerField(null=True, blank=True)  # video frames

    class Meta:
        ordering = ["index"]
        constraints = [models.UniqueConstraint(fields=["input", "index"], name="page_unique_index")]

    def __str__(self) -> str:
        return f"page {self.index + 1} of input {self.input_id}"


class Run(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    input = models.ForeignKey(Input, on_delete=models.CASCADE, related_name="runs")
    workflow_name = models.CharField(max_length=200)
    # The validated nodes as they were when the run started, so a later edit of the workflow
    # does not change what this run means.
    workflow_nodes = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    # Which claim of this run may write to it; a worker that lost its claim stops writing.
    claim = models.CharField(max_length=200, blank=True, default="")
    heartbeat = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["status", "heartbeat"], name="run_status_heartbeat")]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.status})"


class Region(models.Model):
    class Source(models.TextChoices):
        OCR = "ocr"
        TEXT_LAYER = "text_layer"  # taken from a born-digital PDF page, not recognised

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="regions")
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="regions")
    order = models.PositiveIntegerField()
    polygon = models.JSONField()
    text = models.TextField(blank=True, default="")
    score = models.FloatField(default=0.0)
    detection_score = models.FloatField(default=0.0)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.OCR)
    version = models.PositiveIntegerField(default=1)
    edited = models.BooleanField(default=False)
    updated = models.DateTimeField(auto_now=True)
    # Video text: the head of a track spans first_ms..last_ms; the same caption on the following
    # frames points to its head, so search and exports show it once.
    first_ms = models.PositiveIntegerField(null=True, blank=True)
    last_ms = models.PositiveIntegerField(null=True, blank=True)
    repeat_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="repeats"
    )

    class Meta:
        ordering = ["page__index", "order"]
        constraints = [
            models.UniqueConstraint(fields=["run", "page", "order"], name="region_unique_order")
        ]

    def __str__(self) -> str:
        return self.text[:60]

    def as_result(self) -> EngineRegion:
        """The engine's shape of this region, with its current text (for tracks and exports)."""
        return EngineRegion(
            polygon=tuple((float(x), float(y)) for x, y in self.polygon),
            text=self.text,
            score=self.score,
            detection_score=self.detection_score,
        )
