"""Labels in the recognizer's dictionary, input widths that CTC can fit, the loss."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ocr.training.ctc import (
    COLUMNS_PER_STEP,
    LabelCoder,
    ctc_loss,
    distillation_loss,
    input_width,
    make_batch,
    steps_needed,
)

CHARSET = ["<blank>", "a", "b", "c", "é", " "]


def test_it_encodes_text_in_the_dictionary_and_leaves_out_what_it_lacks() -> None:
    coder = LabelCoder(CHARSET)
    assert coder.encode("ab cé") == [1, 2, 5, 3, 4]
    assert coder.encode("aẞb") == [1, 2]
    assert coder.unknown("aẞb") == {"ẞ"}
    assert 0 not in coder.index.values()  # the blank is never a character


def test_it_counts_a_blank_between_repeated_characters() -> None:
    assert steps_needed([1, 1, 2]) == 4
    assert steps_needed([1, 2, 1]) == 3
    assert steps_needed([]) == 0


def test_it_widens_a_short_crop_whose_text_is_long() -> None:
    crop = np.full((48, 96, 3), 255, dtype=np.uint8)  # 12 steps at the engine's own width
    assert input_width(crop, [1, 2]) == 96
    label = [1, 2, 3] * 10
    width = input_width(crop, label)
    assert width // COLUMNS_PER_STEP >= steps_needed(label)


def test_it_gives_a_finite_loss_to_a_long_line_on_a_short_crop() -> None:
    crop = np.full((48, 64, 3), 200, dtype=np.uint8)
    label = [1, 1, 2, 3, 4] * 6
    batch = make_batch([(crop, label), (crop, [1])])
    steps = batch.images.shape[-1] // COLUMNS_PER_STEP
    logits = torch.zeros(2, steps, len(CHARSET), requires_grad=True)
    loss = ctc_loss(logits, batch)
    assert math.isfinite(float(loss.detach()))
    loss.backward()
    assert logits.grad is not None and torch.isfinite(logits.grad).all()
    # The short line's own steps only: its padding is not read as part of it.
    assert batch.widths[1] < batch.images.shape[-1]


def test_it_distils_nothing_from_a_teacher_that_agrees() -> None:
    logits = torch.randn(2, 5, len(CHARSET))
    lengths = torch.tensor([5, 3])
    assert float(distillation_loss(logits, logits.clone(), lengths)) == pytest.approx(0, abs=1e-6)
    assert float(distillation_loss(logits, torch.randn(2, 5, len(CHARSET)), lengths)) > 0.01


def test_it_ignores_the_padding_steps_of_a_shorter_line() -> None:
    logits = torch.randn(2, 6, len(CHARSET))
    teacher = logits.clone()
    teacher[1, 4:] = torch.randn(2, len(CHARSET)) * 5  # only line 2's padding disagrees
    lengths = torch.tensor([6, 4])
    assert float(distillation_loss(logits, teacher, lengths)) == pytest.approx(0, abs=1e-6)
    assert float(distillation_loss(logits, teacher, torch.tensor([6, 6]))) > 0.01


def test_it_scales_a_softened_distillation_back_by_the_temperature_squared() -> None:
    student = torch.tensor([[[2.0, 0.0, 0.0]]])
    teacher = torch.tensor([[[0.0, 2.0, 0.0]]])
    lengths = torch.tensor([1])
    soft = torch.log_softmax(teacher / 2, dim=-1)
    expected = float((soft.exp() * (soft - torch.log_softmax(student / 2, dim=-1))).sum()) * 4
    assert float(distillation_loss(student, teacher, lengths, 2.0)) == pytest.approx(expected)
