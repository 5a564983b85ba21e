"""Fine-tuning a PP-OCR CTC recognizer on line crops, keeping its dictionary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ocr.engine.recognizers.ppocr_ctc import ctc_greedy_decode, load_charset
from ocr.engine.torchnet import Graph, OnnxModule
from ocr.engine.types import RGBImage

from .augment import augment_line
from .ctc import (
    LabelCoder,
    ctc_loss,
    distillation_loss,
    input_width,
    make_batch,
    step_lengths,
)
from .errors import TrainingError
from .evaluate import TextScore, score_texts
from .export import export_onnx
from .loop import (
    Clock,
    Progress,
    ProgressCallback,
    StopCheck,
    check_stop,
    learning_rate,
    prepare,
)
from .networks import LogitsNetwork, clone, freeze_early, recognizer_module, snapshot
from .samples import LineSample


@dataclass(frozen=True)
class RecognizerConfig:
    steps: int = 400
    batch_size: int = 8
    learning_rate: float = 2e-4
    warmup: int = 20
    weight_decay: float = 1e-4
    # Share of the graph's first nodes whose weights stay as the base's (see freeze_early).
    freeze: float = 0.0
    augment: bool = True
    # Share of each batch taken from `replay` lines (e.g. printed ones), so a model taught
    # handwriting keeps reading print.
    replay_share: float = 0.25
    # Weight of a distillation loss on the replayed lines: the KL divergence from the base
    # network's per-step distribution (its own reading, whatever the label says) to the
    # trained one's. It keeps the base's habits on print (`a`, not the wills' `à`) far
    # better than hard labels do; 0 turns it off (and saves the base's forward pass).
    distill: float = 0.0
    distill_temperature: float = 1.0
    # Where the kept weights lie between the base's (0) and the trained ones (1): weight-space
    # interpolation (WiSE-FT, Wortsman et al. 2022) keeps most of a fine-tune's gain on its
    # own data and most of the base's reading of everything else.
    merge: float = 1.0
    seed: int = 0
    threads: int | None = None
    # Validation every this many steps (and at the end); 0: only at the end.
    eval_every: int = 50
    # Keep the weights that read the validation lines best rather than the last ones (an app
    # does not: the gate judges on the same pages, which would flatter the choice).
    keep_best: bool = True
    # Padded columns of one batch (lines x widest): bounds memory and a step's time.
    max_batch_columns: int = 8192


@dataclass
class TrainedRecognizer:
    base: Path
    graph: Graph  # the engine's graph: what export writes
    module: OnnxModule  # the training graph (logits), sharing the weights' ONNX names
    charset: list[str]
    dictionary_in_file: bool  # whether the base file holds its dictionary as metadata
    history: list[Progress] = field(default_factory=list)
    skipped: int = 0  # training lines with no character of the dictionary
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0

    def export(self, path: Path) -> Path:
        """The trained recognizer as an ONNX file; its dictionary is written into it as
        metadata, so the file reads on its own as PP-OCRv6 small's does."""
        metadata = {} if self.dictionary_in_file else {"character": "\n".join(self.charset[1:-1])}
        return export_onnx(self.graph, self.module.initializers(), self.base, path, metadata)

    def read(self, images: Sequence[RGBImage], batch_size: int = 8) -> list[str]:
        return read_lines(self.module, self.charset, images, batch_size)


def read_lines(
    module: OnnxModule, charset: Sequence[str], images: Sequence[RGBImage], batch_size: int = 8
) -> list[str]:
    """Greedy CTC reading with the training module (logits), widest lines together."""
    order = sorted(range(len(images)), key=lambda i: images[i].shape[1] / images[i].shape[0])
    texts = [""] * len(images)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            batch = make_batch([(images[i], ()) for i in chunk])
            probs = torch.softmax(module(batch.images), dim=-1).numpy()
            for row, index in enumerate(chunk):
                texts[index] = ctc_greedy_decode(probs[row], charset).text
    return texts


def validation_score(
    module: OnnxModule, charset: Sequence[str], lines: Sequence[LineSample]
) -> TextScore:
    texts = read_lines(module, charset, [line.pixels for line in lines])
    return score_texts((line.text, text) for line, text in zip(lines, texts, strict=True))


def _batches(
    widths: Sequence[int], batch_size: int, max_columns: int, rng: np.random.Generator
) -> list[list[int]]:
    """One pass over the lines in batches of similar width (less padding to compute), the
    batches in random order."""
    order = list(rng.permutation(len(widths)))
    pool = batch_size * 8
    batches: list[list[int]] = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: widths[i])
        current: list[int] = []
        for index in chunk:
            if current and (
                len(current) >= batch_size or (len(current) + 1) * widths[index] > max_columns
            ):
                batches.append(current)
                current = []
            current.append(index)
        if current:
            batches.append(current)
    rng.shuffle(batches)
    return batches


def weights(module: OnnxModule) -> dict[str, torch.Tensor]:
    """A detached copy of the network's weights by their ONNX names."""
    return {name: value.detach().clone() for name, value in module.initializers().items()}


def merge_into(
    module: OnnxModule,
    start: Mapping[str, torch.Tensor],
    share: float,
    end: Mapping[str, torch.Tensor] | None = None,
) -> None:
    """Set each weight `share` of the way from its value in `start` to its value in `end`
    (the module's own when `end` is None or lacks it)."""
    with torch.no_grad():
        for name, value in module.initializers().items():
            if name in start and value.is_floating_point():
                target = end[name] if end is not None and name in end else value
                value.copy_(start[name] + share * (target - start[name]))


def _teacher(module: OnnxModule) -> OnnxModule:
    """A frozen copy of the base network, whose outputs the trained one is held to."""
    teacher = clone(module)
    teacher.eval()
    teacher.requires_grad_(False)
    return teacher


def train_recognizer(
    base: Path,
    lines: Sequence[LineSample],
    config: RecognizerConfig | None = None,
    *,
    dictionary: Path | None = None,
    replay: Sequence[LineSample] = (),
    validation: Sequence[LineSample] = (),
    on_progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
) -> TrainedRecognizer:
    """Fine-tune the CTC recognizer in `base` (an ONNX file; `dictionary` where the file does
    not hold its charset) on `lines`. With `validation` lines, the weights that read them
    best are kept (measured every `eval_every` steps), else the last ones."""
    config = config or RecognizerConfig()
    rng = prepare(config.seed, config.threads)
    clock = Clock()
    graph, module = recognizer_module(base)
    charset = load_charset(LogitsNetwork(graph, module, "softmax"), dictionary)
    coder = LabelCoder(charset)
    usable = [(line, coder.encode(line.text)) for line in lines]
    skipped = sum(1 for _, label in usable if not label)
    usable = [(line, label) for line, label in usable if label]
    if not usable:
        raise TrainingError("no training line holds a character the recognizer knows")
    replayed = [(line, coder.encode(line.text)) for line in replay]
    replayed = [(line, label) for line, label in replayed if label]
    start = weights(module) if config.merge < 1 else {}
    n_replay = round(config.batch_size * config.replay_share) if replayed else 0
    teacher = _teacher(module) if config.distill > 0 and n_replay else None
    if config.freeze > 0:
        freeze_early(module, config.freeze)
    trainable = [p for p in module.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        trainable, lr=config.learning_rate, weight_decay=config.weight_decay
    )
    result = TrainedRecognizer(
        base=base,
        graph=graph,
        module=module,
        charset=charset,
        dictionary_in_file="character" in graph.metadata,
        skipped=skipped,
    )
    n_own = max(1, config.batch_size - n_replay)
    widths = [input_width(line.pixels, label) for line, label in usable]
    best: tuple[float, dict[str, torch.Tensor]] | None = None

    def measure(step: int, loss: float) -> None:
        nonlocal best
        score = validation_score(module, charset, validation).cer if validation else None
        if score is not None and config.keep_best and (best is None or score < best[0]):
            best = (score, snapshot(module))
        report = Progress(step, config.steps, loss, score, clock.cpu, clock.wall)
        result.history.append(report)
        if on_progress is not None:
            on_progress(report)

    queue: list[list[int]] = []
    losses: list[float] = []
    if validation:
        measure(0, float("nan"))
    for step in range(config.steps):
        check_stop(should_stop)
        if not queue:
            queue = _batches(widths, n_own, config.max_batch_columns, rng)
        chosen = [usable[i] for i in queue.pop()]
        if n_replay:
            chosen += [replayed[int(i)] for i in rng.integers(len(replayed), size=n_replay)]
        images = [
            augment_line(line.pixels, rng) if config.augment else line.pixels for line, _ in chosen
        ]
        batch = make_batch(
            [(image, label) for image, (_, label) in zip(images, chosen, strict=True)]
        )
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, config.steps, config.learning_rate, config.warmup)
        module.train()
        logits = module(batch.images)
        loss = ctc_loss(logits, batch)
        if teacher is not None:
            # The replayed lines are the batch's last rows (chosen above).
            rows = slice(len(chosen) - n_replay, None)
            with torch.inference_mode():
                targets = teacher(batch.images[rows])
            lengths = step_lengths(batch, logits.shape[1])[rows]
            loss = loss + config.distill * distillation_loss(
                logits[rows], targets.clone(), lengths, config.distill_temperature
            )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        # One bad line (a wrong transcription) must not throw the weights far.
        torch.nn.utils.clip_grad_norm_(trainable, 5.0)
        optimizer.step()
        module.eval()
        losses.append(float(loss.detach()))
        done = step + 1
        recent = float(np.mean(losses[-10:]))
        if validation and (
            done == config.steps or (config.eval_every and done % config.eval_every == 0)
        ):
            measure(done, recent)
        elif on_progress is not None:
            report = Progress(done, config.steps, recent, None, clock.cpu, clock.wall)
            result.history.append(report)
            on_progress(report)
        else:
            result.history.append(Progress(done, config.steps, recent, None, clock.cpu, clock.wall))
    if best is not None:
        module.load_state_dict(best[1])
    if start:
        merge_into(module, start, config.merge)
    result.cpu_seconds, result.wall_seconds = clock.cpu, clock.wall
    return result
