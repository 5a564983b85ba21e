"""Labels in the recognizer's own dictionary, line images as its input, and the CTC loss.

The dictionary is the base model's (18,710 classes for PP-OCRv6 small): a fine-tuned model
keeps every class, so it still reads what the base read, and workers decode it with the same
charset.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F
from torch import Tensor

from ocr.engine.recognizers.ppocr_ctc import BLANK, HEIGHT, MAX_WIDTH, scaled_width
from ocr.engine.types import RGBImage

# PP-OCR recognizers emit one time step per 8 input columns (a 48 x W line gives W/8 steps).
COLUMNS_PER_STEP = 8
# CTC needs one step per character plus a blank between repeated ones; a third more than
# that leaves the network room to place them, as it does on lines it reads well.
STEP_MARGIN = 4 / 3


class LabelCoder:
    """Text to class indices of a CTC charset (blank first, as the engine's load_charset)."""

    def __init__(self, charset: Sequence[str]) -> None:
        self.charset = list(charset)
        self.index = {char: i for i, char in enumerate(self.charset) if i != BLANK}

    def encode(self, text: str) -> list[int]:
        """Indices of the characters the dictionary holds; others are left out (see unknown)."""
        return [self.index[c] for c in text if c in self.index]

    def unknown(self, text: str) -> set[str]:
        return {c for c in text if c not in self.index}


def steps_needed(label: Sequence[int]) -> int:
    """The fewest CTC steps that can emit `label`: one per class, one blank per repeat."""
    repeats = sum(1 for a, b in zip(label, label[1:], strict=False) if a == b)
    return len(label) + repeats


def input_width(pixels: RGBImage, label: Sequence[int]) -> int:
    """The width the line is resized to at the network's height: the engine's own width,
    widened where a long text on a short crop would leave CTC too few steps (a squeezed
    signature, a line cut too narrow). Without this, the loss of such a line is infinite."""
    width = scaled_width(pixels)
    needed = math.ceil(steps_needed(label) * STEP_MARGIN) * COLUMNS_PER_STEP
    return int(min(MAX_WIDTH, max(width, needed)))


def line_tensor(pixels: RGBImage, width: int) -> npt.NDArray[np.float32]:
    """3 x 48 x width, normalised as the engine's _batch_blob does (BGR, -1..1)."""
    resized = cv2.resize(pixels, (width, HEIGHT), interpolation=cv2.INTER_LINEAR)
    bgr = resized[:, :, ::-1].astype(np.float32)
    return np.ascontiguousarray(((bgr / 255.0 - 0.5) / 0.5).transpose(2, 0, 1))


@dataclass(frozen=True)
class Batch:
    images: Tensor  # N x 3 x 48 x W, padded with 0 (mid grey) as the engine pads
    widths: tuple[int, ...]  # each line's own width before padding
    targets: Tensor  # concatenated labels
    target_lengths: Tensor


def make_batch(lines: Sequence[tuple[RGBImage, Sequence[int]]]) -> Batch:
    widths = [input_width(pixels, label) for pixels, label in lines]
    blob = np.zeros((len(lines), 3, HEIGHT, max(widths)), dtype=np.float32)
    for row, ((pixels, _), width) in enumerate(zip(lines, widths, strict=True)):
        blob[row, :, :, :width] = line_tensor(pixels, width)
    labels = [list(label) for _, label in lines]
    return Batch(
        images=torch.from_numpy(blob),
        widths=tuple(widths),
        targets=torch.tensor([i for label in labels for i in label], dtype=torch.long),
        target_lengths=torch.tensor([len(label) for label in labels], dtype=torch.long),
    )


def step_lengths(batch: Batch, steps: int) -> Tensor:
    """Each line's own share of the `steps` time steps of its padded batch."""
    padded = batch.images.shape[-1]
    return torch.tensor(
        [max(1, min(steps, math.ceil(w * steps / padded))) for w in batch.widths],
        dtype=torch.long,
    )


def distillation_loss(
    logits: Tensor, targets: Tensor, lengths: Tensor, temperature: float = 1.0
) -> Tensor:
    """Mean KL divergence, per time step of each line's own length, from the `targets`
    logits' distribution (a teacher's) to the `logits`' one (N x T x C both).

    Matching the teacher's whole distribution at every step keeps its habits (which of `a`
    and `à` it prefers on a clean glyph) where a hard label keeps only its best guess; the
    temperature softens both, scaled back by its square (Hinton et al., 2015).
    """
    student = F.log_softmax(logits.float() / temperature, dim=-1)
    teacher = F.log_softmax(targets.float() / temperature, dim=-1)
    per_step = (teacher.exp() * (teacher - student)).sum(dim=-1)  # N x T
    mask = torch.arange(logits.shape[1])[None, :] < lengths[:, None]
    return (per_step * mask).sum() / mask.sum().clamp(min=1) * temperature**2


def ctc_loss(logits: Tensor, batch: Batch) -> Tensor:
    """Mean CTC loss per target character of a batch of N x T x C logits.

    Each line's input length is its own share of the T steps, so the padding of a shorter
    line is not read as part of it.
    """
    lengths = step_lengths(batch, logits.shape[1])
    log_probs = F.log_softmax(logits.float(), dim=-1).transpose(0, 1)  # T x N x C
    # zero_infinity: a line that still cannot fit (beyond MAX_WIDTH) adds nothing rather
    # than turning the whole batch's gradient into NaN.
    return F.ctc_loss(
        log_probs,
        batch.targets,
        lengths,
        batch.target_lengths,
        blank=BLANK,
        reduction="mean",
        zero_infinity=True,
    )
