"""Trainings: an app teaches a detector or a recognizer from its verified pages.

Requests start, cancel, promote and roll back trainings here; the worker runs them here too
(execute_training), claiming each as runs are claimed, so a training delivered twice runs
once, and one whose worker died is taken up again from the start (or failed after
OCR_RUN_MAX_ATTEMPTS). The pure work (datasets, loops, evaluation, export) is ocr.training's.
"""

from __future__ import annotations

import logging
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from ocr import files, selectors, workflows
from ocr.engine.errors import EngineError
from ocr.engine.gallery import file_model, get_model
from ocr.engine.images import load_image
from ocr.engine.types import Crop, DetectedRegion, PageImage
from ocr.engine.workflow import validate_workflow
from ocr.heartbeat import Heartbeat
from ocr.models import App, Page, TrainedModel, Training, Workflow
from ocr.training import TrainingCancelled, TrainingError
from ocr.training.bases import DEFAULT_BASE, TRAINABLE, base_files, trainable
from ocr.training.detector import (
    DetectorConfig,
    detection_scores,
    reading_scale,
    train_detector,
)
from ocr.training.evaluate import score_texts
from ocr.training.loop import Progress
from ocr.training.recognizer import RecognizerConfig, train_recognizer
from ocr.training.samples import (
    DetectionSample,
    LineSample,
    TruthRegion,
    detection_sample,
    line_samples,
)
from ocr.training.synthetic import printed_fonts, synthetic_lines

log = logging.getLogger(__name__)

MIN_PAGES = 2  # one to learn from, one to judge on
MIN_LINES = 4  # lines with text a recognizer training needs on its training pages
VALIDATION_SHARE = 0.2
# The detector's is the README's measured run (20 FUNSD pages' words: hmean 0.878, 13 CPU
# minutes at one thread; 400 steps gave 0.853-0.863).
DEFAULT_STEPS = {"detector": 520, "recognizer": 300}
MAX_STEPS = 20000


class TrainingRefused(ValueError):
    """Bad or too little input for a training: a 400 naming what is missing."""

    def __init__(self, message: str, field: str = "kind") -> None:
        super().__init__(message)
        self.field = field


class TrainingConflict(Exception):
    """The app or the training is not in a state that allows this (a 409)."""


# Requests -----------------------------------------------------------------------------------------


def _default_base(app: App, kind: str) -> str:
    """The app's default workflow's model of that kind when it can be trained, else PP-OCRv6
    small's: the training improves what the app reads with."""
    try:
        nodes = workflows.resolve(app, app.workflow).nodes
    except workflows.UnknownWorkflowError:
        nodes = []
    for node in nodes:
        if node["model"] in TRAINABLE and TRAINABLE[node["model"]][0] == kind:
            return str(node["model"])
    return DEFAULT_BASE[kind]


def split_pages(page_ids: Sequence[int], seed: int) -> dict[str, Any]:
    """Pages shuffled with the seed, a fifth (at least one) kept aside to judge the model."""
    order = sorted(page_ids)
    random.Random(seed).shuffle(order)
    held = max(1, round(len(order) * VALIDATION_SHARE))
    return {"seed": seed, "train": sorted(order[held:]), "validation": sorted(order[:held])}


def _check_data(kind: str, split: dict[str, Any]) -> None:
    regions = selectors.training_regions(split["train"])
    if kind == "recognizer":
        lines = sum(1 for page in regions.values() for r in page if r.text.strip())
        if lines < MIN_LINES:
            raise TrainingRefused(
                f"A recognizer training needs at least {MIN_LINES} lines with text on the pages "
                f"it learns from; the {len(split['train'])} verified page(s) it would learn "
                f"from have {lines}. Verify pages with more lines."
            )
    elif not any(regions.values()):
        raise TrainingRefused(
            "A detector training needs regions on the pages it learns from; the verified "
            "pages it would learn from have none. Draw the text areas, then verify the pages."
        )


@transaction.atomic
def start_training(
    app: App,
    user: AbstractBaseUser | None,
    kind: str,
    base: str | None = None,
    name: str = "",
    steps: int | None = None,
) -> Training:
    """Queue a training of the app's verified pages, or refuse: TrainingRefused (bad or too
    little data), TrainingConflict (one is already queued or running)."""
    if kind not in DEFAULT_STEPS:
        raise TrainingRefused(f"Unknown kind {kind!r}: detector or recognizer.")
    base = base or _default_base(app, kind)
    if base not in trainable(kind):
        options = ", ".join(trainable(kind))
        raise TrainingRefused(f"A {kind} can be trained from {options}; not {base!r}.", "base")
    steps = steps or DEFAULT_STEPS[kind]
    if not 1 <= steps <= MAX_STEPS:
        raise TrainingRefused(f"steps must be between 1 and {MAX_STEPS}.", "steps")
    active = selectors.active_training(app)
    if active is not None:
        raise TrainingConflict(_busy(active))
    page_ids = list(selectors.verified_pages(app).values_list("pk", flat=True))
    if len(page_ids) < MIN_PAGES:
        missing = MIN_PAGES - len(page_ids)
        raise TrainingRefused(
            f"A training needs at least {MIN_PAGES} verified pages (one to learn from, one to "
            f"check the result on); this app has {len(page_ids)}. Verify {missing} more "
            f"page{'s' if missing > 1 else ''} in the explorer."
        )
    split = split_pages(page_ids, random.SystemRandom().randrange(1, 2**31))
    _check_data(kind, split)
    training = Training(
        app=app,
        kind=kind,
        base=base,
        name=(name or "").strip()[:200] or f"{app.name} {kind}",
        steps=steps,
        split=split,
        created_by=user if user is not None and user.is_authenticated else None,
        heartbeat=timezone.now(),
    )
    try:
        with transaction.atomic():
            training.save()
    except IntegrityError:  # another request queued one in the meantime
        active = selectors.active_training(app)
        raise TrainingConflict(_busy(active)) from None
    transaction.on_commit(lambda: enqueue_training(training.pk))
    return training


def _busy(active: Training | None) -> str:
    which = f" (#{active.pk}, {active.status})" if active is not None else ""
    return (
        f"A training of this app is already queued or running{which}; wait for it to finish "
        "or cancel it."
    )


def enqueue_training(training_id: int) -> None:
    from ocr.tasks import train_model  # tasks import services

    Training.objects.filter(pk=training_id).update(heartbeat=timezone.now())
    train_model.apply_async((training_id,), queue=settings.OCR_TRAIN_QUEUE)


def cancel_training(training: Training) -> Training:
    """A queued training stops at once, a running one at its next step."""
    stopped = Training.objects.filter(pk=training.pk, status=Training.Status.QUEUED).update(
        status=Training.Status.CANCELLED, finished=timezone.now(), error="Cancelled."
    )
    if not stopped:
        running = Training.objects.filter(pk=training.pk, status=Training.Status.RUNNING)
        if not running.update(cancel_requested=True):
            training.refresh_from_db()
            raise TrainingConflict(f"The training has already {training.status}.")
    training.refresh_from_db()
    return training


def is_promoted(training: Training) -> bool:
    """Whether the app reads with this training's model by default now."""
    return training.promoted_workflow_id is not None and training.app.workflow == str(
        training.promoted_workflow_id
    )


@transaction.atomic
def promote_training(training: Training, force: bool = False) -> Training:
    """Put the trained model into the app's default workflow in place of the model of its
    kind (a new saved workflow, made the default); the old default is kept for rollback.
    A model that did not read the validation pages better than its base is refused unless
    `force`: the gate never lets a worse model in by itself."""
    app = App.objects.select_for_update().get(pk=training.app_id)
    training = Training.objects.select_related("app").get(pk=training.pk)
    model = TrainedModel.objects.filter(training=training).first()
    if training.status != Training.Status.SUCCEEDED or model is None:
        raise TrainingConflict(
            f"Only a finished training can be promoted; this one {training.status}."
        )
    if is_promoted(training):
        return training
    if not training.improved and not force:
        raise TrainingConflict(
            "The trained model did not read the validation pages better than its base "
            f"({_summary(training.metrics)}); it is kept but not promoted. Send "
            '{"force": true} to promote it anyway.'
        )
    current = workflows.resolve(app, app.workflow)
    trained_specs = selectors.trained_specs(app)
    base_params = get_model(training.base).params
    # What the trained model carries as its own (a word detector's thresholds and scale)
    # replaces the node's values: the base's settings would read its map as lines.
    carried = {
        p.name: p.default
        for p in get_model(model.model_id, trained_specs).params
        if p not in base_params
    }
    nodes = []
    for node in current.nodes:
        spec = get_model(node["model"], trained_specs)
        if spec.kind == training.kind:
            same_params = spec.params == base_params
            node = {
                **node,
                "model": model.model_id,
                "params": {**(node["params"] if same_params else {}), **carried},
            }
        nodes.append(node)
    nodes = validate_workflow(nodes, selectors.trained_specs(app))
    workflow = Workflow.objects.create(
        app=app, name=f"{current.name} with {model.name}"[:200], nodes=nodes
    )
    training.previous_workflow = app.workflow
    training.promoted_workflow = workflow
    training.promoted = True
    training.save(update_fields=["previous_workflow", "promoted_workflow", "promoted"])
    app.workflow = str(workflow.pk)
    app.save(update_fields=["workflow"])
    training.app = app
    return training


@transaction.atomic
def rollback_training(training: Training) -> Training:
    """Put back the default workflow the app had before this training was promoted."""
    app = App.objects.select_for_update().get(pk=training.app_id)
    training = Training.objects.select_related("app").get(pk=training.pk)
    if not is_promoted(training):
        raise TrainingConflict("This training's model is not the app's default; nothing to undo.")
    try:
        workflows.resolve(app, training.previous_workflow)
        app.workflow = training.previous_workflow
    except workflows.UnknownWorkflowError:  # deleted since: the ready default then
        app.workflow = "default"
    app.save(update_fields=["workflow"])
    Training.objects.filter(pk=training.pk).update(promoted=False)
    training.refresh_from_db()
    return training


def _summary(metrics: dict[str, Any]) -> str:
    key = "hmean" if "hmean" in metrics.get("base", {}) else "cer"
    base, trained = metrics.get("base", {}).get(key), metrics.get("trained", {}).get(key)
    return f"{key} {base} for the base, {trained} trained"


# The worker side ----------------------------------------------------------------------------------


class TrainingLost(Exception):
    """Another worker took this training over (it was reaped as stale): stop writing."""


def _claim(training_id: int) -> str | None:
    from ocr.runs import _new_claim  # one claim format for runs and trainings

    token = _new_claim()
    now = timezone.now()
    stale = now - timedelta(seconds=settings.OCR_RUN_STALE_SECONDS)
    claimable = Q(status=Training.Status.QUEUED) | Q(
        status=Training.Status.RUNNING, heartbeat__lt=stale
    )
    taken = Training.objects.filter(claimable, pk=training_id).update(
        status=Training.Status.RUNNING,
        claim=token,
        heartbeat=now,
        started=now,
        attempts=F("attempts") + 1,
        error="",
        progress_done=0,
        history=[],
    )
    return token if taken else None


def _finish(training_id: int, token: str, status: str, error: str = "", **fields: Any) -> None:
    Training.objects.filter(pk=training_id, claim=token).update(
        status=status, error=error[:2000], finished=timezone.now(), claim="", **fields
    )


@dataclass
class _Data:
    train_pages: list[tuple[PageImage, list[TruthRegion]]]
    validation_pages: list[tuple[PageImage, list[TruthRegion]]]


def _load(training: Training) -> _Data:
    ids = [*training.split.get("train", []), *training.split.get("validation", [])]
    regions = selectors.training_regions(ids)
    pages = {p.pk: p for p in Page.objects.filter(pk__in=ids)}

    def one(pk: int) -> tuple[PageImage, list[TruthRegion]] | None:
        page = pages.get(pk)
        if page is None:  # deleted since the training was queued
            return None
        truth = [
            TruthRegion(tuple((float(x), float(y)) for x, y in r.polygon), r.text)
            for r in regions.get(pk, [])
        ]
        # Through the storage API: a worker on another machine reads the page too.
        with files.local_copy(page.image.storage, page.image.name) as path:
            return load_image(path, page.index), truth

    train = [x for x in map(one, training.split.get("train", [])) if x is not None]
    validation = [x for x in map(one, training.split.get("validation", [])) if x is not None]
    if not train or not validation:
        raise TrainingError("Pages of this training were deleted; start a new one.")
    return _Data(train, validation)


def _lines(pages: Sequence[tuple[PageImage, list[TruthRegion]]]) -> list[LineSample]:
    return [line for page, truth in pages for line in line_samples(page, truth)]


# How the recognizer keeps reading print while it learns a hand (python -m ocr.training.bench
# recognizer, README "Training"): the first 30% of its nodes stay as the base's; a quarter of
# each batch replays the training texts rendered in printed faces, on which the trained
# network is also held to the base's own per-step distribution (distillation needs no truth:
# the base is the teacher); and the weights kept lie 0.8 of the way from the base's to the
# trained ones (WiSE-FT), which in the bench run kept all of the gain on handwriting but a
# few thousandths and none of the loss on print.
RECOGNIZER_FREEZE = 0.3
RECOGNIZER_DISTILL = 1.0
RECOGNIZER_MERGE = 0.8
PRINTED_REPLAY_LINES = 400


def recognizer_config(steps: int, seed: int, checks: int) -> RecognizerConfig:
    return RecognizerConfig(
        steps=steps,
        eval_every=checks,
        keep_best=False,
        seed=seed,
        freeze=RECOGNIZER_FREEZE,
        distill=RECOGNIZER_DISTILL,
        merge=RECOGNIZER_MERGE,
    )


def _printed_replay(lines: Sequence[LineSample], seed: int) -> list[LineSample]:
    count = min(PRINTED_REPLAY_LINES, 2 * len(lines))
    return synthetic_lines([line.text for line in lines], count, printed_fonts(), seed=seed)


def _detections(pages: Sequence[tuple[PageImage, list[TruthRegion]]]) -> list[DetectionSample]:
    return [detection_sample(page, truth) for page, truth in pages]


def _recognizer_cer(reader: Any, lines: Sequence[LineSample]) -> dict[str, Any]:
    whole = DetectedRegion(((0, 0), (1, 0), (1, 1), (0, 1)), 1.0)
    found = reader.recognize([Crop(whole, line.pixels) for line in lines])
    return score_texts((line.text, r.text) for line, r in zip(lines, found, strict=True)).metrics()


class _Reporter:
    """Progress into the row (at most a few writes a second), cancellation out of it."""

    def __init__(self, training_id: int, token: str) -> None:
        self.training_id, self.token = training_id, token
        self.history: list[dict[str, Any]] = []
        self.last_write = 0.0

    def _rows(self) -> Any:
        return Training.objects.filter(pk=self.training_id, claim=self.token)

    def progress(self, report: Progress) -> None:
        point = {
            "step": report.step,
            "loss": None if report.loss != report.loss else round(report.loss, 4),
        }
        if report.metric is not None:
            point["metric"] = round(report.metric, 4)
        self.history.append(point)
        now = time.monotonic()
        if report.metric is not None or report.step == report.total or now - self.last_write > 0.5:
            self.last_write = now
            updated = self._rows().update(
                progress_done=report.step, history=self.history, heartbeat=timezone.now()
            )
            if not updated:
                raise TrainingLost(self.training_id)

    def should_stop(self) -> bool:
        state = self._rows().values_list("cancel_requested", flat=True).first()
        if state is None:
            raise TrainingLost(self.training_id)
        return bool(state)


def _train(
    training: Training, data: _Data, reporter: _Reporter, folder: Path
) -> tuple[Path, dict[str, Any], bool]:
    """Train, export to `folder`, judge base and trained on the validation pages."""
    base_path, dictionary = base_files(training.base)
    path = folder / "model.onnx"
    checks = max(1, training.steps // 5)  # the metric drawn on the Train page
    if training.kind == Training.Kind.DETECTOR:
        train, validation = _detections(data.train_pages), _detections(data.validation_pages)
        max_side, upscale = reading_scale(train)
        detector = train_detector(
            base_path,
            train,
            DetectorConfig(
                steps=training.steps,
                max_side=max_side,
                upscale=upscale,
                eval_every=checks,
                keep_best=False,
                seed=training.split["seed"],
            ),
            validation=validation,
            on_progress=reporter.progress,
            should_stop=reporter.should_stop,
        )
        detector.export(path)
        base_reader = get_model(training.base).loader({})
        trained_reader = file_model(training.base, "candidate", path, "").loader({})
        metrics = {
            "base": detection_scores(base_reader, validation).metrics(),
            "trained": detection_scores(trained_reader, validation).metrics(),
        }
        improved = metrics["trained"]["hmean"] > metrics["base"]["hmean"]
    else:
        lines, held = _lines(data.train_pages), _lines(data.validation_pages)
        if not held:
            raise TrainingError("The validation pages hold no line with text to judge on.")
        recognizer = train_recognizer(
            base_path,
            lines,
            recognizer_config(training.steps, training.split["seed"], checks),
            dictionary=dictionary,
            replay=_printed_replay(lines, training.split["seed"]),
            validation=held,
            on_progress=reporter.progress,
            should_stop=reporter.should_stop,
        )
        recognizer.export(path)
        base_reader = get_model(training.base).loader({"min_score": 0.0})
        trained_reader = file_model(training.base, "candidate", path, "").loader({"min_score": 0.0})
        metrics = {
            "base": _recognizer_cer(base_reader, held),
            "trained": _recognizer_cer(trained_reader, held),
        }
        improved = metrics["trained"]["cer"] < metrics["base"]["cer"]
    return path, metrics, improved


def execute_training(training_id: int) -> None:
    """Run a queued training (or take up one whose worker died). Nothing of it is usable until
    it succeeds: the model file is written aside and moved under the media root, and its row
    made, in the transaction that marks the training succeeded."""
    token = _claim(training_id)
    if token is None:
        log.info("training %s is not claimable (finished, gone, or alive elsewhere)", training_id)
        return
    training = Training.objects.select_related("app").get(pk=training_id)
    if training.attempts > settings.OCR_RUN_MAX_ATTEMPTS:
        _finish(
            training_id,
            token,
            Training.Status.FAILED,
            f"Gave up after {training.attempts - 1} attempts: the worker stopped each time "
            "(it may need more memory or time than it has).",
        )
        return
    reporter = _Reporter(training_id, token)
    folder = Path(tempfile.mkdtemp(prefix=f"legible-training-{training_id}-"))
    try:
        with Heartbeat(
            Training.objects.filter(pk=training_id, claim=token), f"training {training_id}"
        ):
            data = _load(training)
            path, metrics, improved = _train(training, data, reporter, folder)
            _keep(training, token, path, metrics, improved)
    except TrainingCancelled:
        _finish(training_id, token, Training.Status.CANCELLED, "Cancelled.")
    except TrainingLost:
        log.warning("training %s was taken over by another worker; stopping", training_id)
    except (TrainingError, EngineError) as exc:
        _finish(training_id, token, Training.Status.FAILED, str(exc))
    except OperationalError:
        Training.objects.filter(pk=training_id, claim=token).update(
            status=Training.Status.QUEUED, claim=""
        )
        raise
    except Exception as exc:
        log.exception("training %s failed", training_id)
        _finish(
            training_id,
            token,
            Training.Status.FAILED,
            f"Unexpected error: {type(exc).__name__}: {exc}",
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _keep(
    training: Training, token: str, path: Path, metrics: dict[str, Any], improved: bool
) -> None:
    with transaction.atomic():
        row = Training.objects.select_for_update().get(pk=training.pk)
        if row.claim != token:
            raise TrainingLost(training.pk)
        model = TrainedModel(
            app_id=training.app_id,
            training=row,
            kind=training.kind,
            base=training.base,
            name=training.name,
            metrics=metrics,
            improved=improved,
        )
        with path.open("rb") as handle:
            # The storage writes a new file under the media root; the row that names it and
            # the training's success commit together, so a crash leaves at most an orphan file.
            model.file.save("model.onnx", File(handle), save=False)
        model.save()
        _finish(
            training.pk,
            token,
            Training.Status.SUCCEEDED,
            metrics=metrics,
            improved=improved,
            progress_done=training.steps,
        )


def reap_stale_trainings() -> list[int]:
    """Queue again the trainings whose worker is gone (see runs.reap_stale_runs)."""
    from ocr.runs import _claim_is_dead_here

    now = timezone.now()
    stale_running = Q(
        status=Training.Status.RUNNING,
        heartbeat__lt=now - timedelta(seconds=settings.OCR_RUN_STALE_SECONDS),
    )
    forgotten = Q(
        status=Training.Status.QUEUED,
        heartbeat__lt=now - timedelta(seconds=10 * settings.OCR_RUN_STALE_SECONDS),
    )
    running = Training.objects.filter(status=Training.Status.RUNNING)
    dead = [c for c in running.values_list("claim", flat=True) if _claim_is_dead_here(c)]
    lost = stale_running | forgotten | Q(status=Training.Status.RUNNING, claim__in=dead)
    reaped = []
    for training_id in Training.objects.filter(lost).values_list("pk", flat=True):
        if Training.objects.filter(lost, pk=training_id).update(
            status=Training.Status.QUEUED, claim="", heartbeat=now
        ):
            log.warning("queueing training %s again: its worker is gone", training_id)
            enqueue_training(training_id)
            reaped.append(training_id)
    return reaped


ProgressHook = Callable[[Progress], None]
