"""What is stored: apps, workflows, inputs and their pages, runs, and the page's regions with
the corrections people made. Writes go through ocr/services/."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from ocr.engine.types import Region as EngineRegion
from ocr.engine.types import Word as EngineWord


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
    # What people are shown (ocr/services/previews.py): a small JPEG, and for a page larger
    # than PREVIEW_SIDE a scaled-down PNG. Empty for pages saved before they were made.
    # Nullable, so adding them on SQLite is an ALTER TABLE, not a rebuild.
    thumbnail = models.FileField(upload_to=page_upload_to, max_length=500, null=True, blank=True)
    preview = models.FileField(upload_to=page_upload_to, max_length=500, null=True, blank=True)
    timecode_ms = models.PositiveIntegerField(null=True, blank=True)  # video frames
    # The run whose reading the page's machine regions are (a newer run's replaces it).
    run = models.ForeignKey(
        "Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A person checked every region and its text: ground truth for training.
    verified = models.BooleanField(default=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    # The newest reading's layout: blocks as {"polygon", "kind"} in reading order (None before
    # the engine had blocks). Lines belong to the block whose polygon holds them.
    blocks = models.JSONField(null=True, blank=True)

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
    """A region of a page as it is now: the newest run's reading with people's corrections.

    `edited` marks a correction: a person changed its text, shape or place, or drew it. A later
    reading of the page never removes a correction (see ocr/engine/overlay.py); the machine
    regions it covers give way to it.
    """

    class Source(models.TextChoices):
        OCR = "ocr"
        TEXT_LAYER = "text_layer"  # taken from a born-digital PDF page, not recognised
        PERSON = "person"  # drawn by a person

    # The run that read it; null for a drawn region (and once its run is gone).
    run = models.ForeignKey(
        Run, null=True, blank=True, on_delete=models.SET_NULL, related_name="regions"
    )
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="regions")
    # Place in the page's reading order (ascending; gaps allowed, ties broken by id).
    order = models.PositiveIntegerField()
    polygon = models.JSONField()
    text = models.TextField(blank=True, default="")
    score = models.FloatField(default=0.0)
    detection_score = models.FloatField(default=0.0)
    # The recognizer's words, [{"polygon", "text", "score"}], while they spell `text`; None for
    # a drawn or edited line (and for readings from before word boxes). Nullable without a
    # default, so adding it on SQLite is an ALTER TABLE, not a rebuild that would drop the
    # FTS triggers.
    words = models.JSONField(null=True, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.OCR)
    version = models.PositiveIntegerField(default=1)
    edited = models.BooleanField(default=False)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    corrected_at = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)
    # Video text: the head of a track spans first_ms..last_ms; the same caption on the following
    # frames points to its head, so search and exports show it once.
    first_ms = models.PositiveIntegerField(null=True, blank=True)
    last_ms = models.PositiveIntegerField(null=True, blank=True)
    repeat_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="repeats"
    )

    class Meta:
        ordering = ["page__index", "order", "id"]
        indexes = [
            models.Index(fields=["page", "order"], name="region_page_order"),
            # The review queue: an app's least confident lines first.
            models.Index(fields=["score"], name="region_score"),
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
            words=tuple(
                EngineWord(
                    polygon=tuple((float(x), float(y)) for x, y in w["polygon"]),
                    text=str(w["text"]),
                    score=float(w["score"]),
                )
                for w in self.words or ()
            ),
        )


class RunChunk(models.Model):
    """A range of a run's pages, read by one Celery task that any worker may take.

    Its claim, heartbeat and attempts are what the reaper watches: a worker that dies loses
    only its chunk, and the chunk's next reader skips the pages this run already saved.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    first_page = models.PositiveIntegerField()
    # One past the last page; null reads to the end (a video, whose frame count is an estimate).
    stop_page = models.PositiveIntegerField(null=True, blank=True)
    # Where its message goes: the interactive queue for short inputs, the bulk one otherwise.
    queue = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    claim = models.CharField(max_length=200, blank=True, default="")
    # While running: the last sign of life of its worker; while queued: when it was last sent.
    heartbeat = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="runchunk_unique_index")
        ]
        indexes = [models.Index(fields=["status", "heartbeat"], name="runchunk_status_heartbeat")]

    def __str__(self) -> str:
        return f"chunk {self.index} of run {self.run_id} ({self.status})"

    @property
    def pages(self) -> range | None:
        """The page indices it reads; None for the whole input."""
        return None if self.stop_page is None else range(self.first_page, self.stop_page)


class RunPage(models.Model):
    """One run's own reading of one page, kept as it was read: the run's history, shown
    read-only, while the page's Regions move on with newer runs and corrections."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="pages")
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="readings")
    # [{"polygon", "text", "score", "detection_score", "source"}] in reading order.
    regions = models.JSONField(default=list)
    # How many times this run read the page: more than 1 only when a worker died after
    # saving it and before its chunk knew (or a chunk was taken over while still alive).
    reads = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "page"], name="runpage_unique")]

    def __str__(self) -> str:
        return f"run {self.run_id} on page {self.page_id}"


class DeletedRegion(models.Model):
    """A region a person deleted: later readings drop the machine regions it covers."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="deleted_regions")
    polygon = models.JSONField()
    text = models.TextField(blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"deleted {self.text[:40]!r} on page {self.page_id}"


class RegionChange(models.Model):
    """One version of a region: who changed what, and when. The first change of a machine
    region also records the version the run read (user empty)."""

    class Action(models.TextChoices):
        READ = "read"
        EDIT = "edit"
        DRAW = "draw"
        SPLIT = "split"
        MERGE = "merge"

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveIntegerField()
    action = models.CharField(max_length=16, choices=Action.choices)
    text = models.TextField(blank=True, default="")
    polygon = models.JSONField()
    order = models.PositiveIntegerField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version", "-id"]

    def __str__(self) -> str:
        return f"region {self.region_id} v{self.version}"


class Training(models.Model):
    """An app teaching a detector or a recognizer from its verified pages (ocr/services/
    training.py). The worker that runs it claims it as runs are claimed; its model file
    appears, whole, only when it succeeds."""

    class Kind(models.TextChoices):
        DETECTOR = "detector"
        RECOGNIZER = "recognizer"

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="trainings")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    base = models.CharField(max_length=64)  # the gallery model trained from
    name = models.CharField(max_length=200, blank=True, default="")
    steps = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    # {"seed", "train": [page ids], "validation": [page ids]}: which pages taught, which judged.
    split = models.JSONField(default=dict)
    # [{"step", "loss", "metric"}]: what the Train page draws while it runs.
    history = models.JSONField(default=list)
    # {"base": {...}, "trained": {...}} on the validation pages.
    metrics = models.JSONField(default=dict)
    improved = models.BooleanField(default=False)  # the gate: trained read them better
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    claim = models.CharField(max_length=200, blank=True, default="")
    heartbeat = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Promotion: the workflow it was put into, and the app's default workflow before it.
    promoted = models.BooleanField(default=False)
    promoted_workflow = models.ForeignKey(
        Workflow, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    previous_workflow = models.CharField(max_length=64, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            # One training at a time per app: the second is refused (409), even in a race.
            models.UniqueConstraint(
                fields=["app"],
                condition=models.Q(status__in=["queued", "running"]),
                name="training_one_active_per_app",
            )
        ]

    def __str__(self) -> str:
        return f"training {self.pk} ({self.kind}, {self.status})"


def trained_upload_to(instance: TrainedModel, filename: str) -> str:
    return f"trained/{instance.app_id}/{instance.training_id}/{filename}"


class TrainedModel(models.Model):
    """The network a training produced: an ONNX file (what CPU workers run with onnxruntime,
    and what the torch runtime loads for GPUs and further training). Workflows of its app name
    it as `trained-<id>`."""

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="trained_models")
    training = models.OneToOneField(Training, on_delete=models.CASCADE, related_name="model")
    kind = models.CharField(max_length=16, choices=Training.Kind.choices)
    base = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    file = models.FileField(upload_to=trained_upload_to, max_length=500)
    metrics = models.JSONField(default=dict)
    improved = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    PREFIX = "trained-"

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.model_id

    @property
    def model_id(self) -> str:
        return f"{self.PREFIX}{self.pk}"
