"""Fine-tuning the CTC recognizer: it learns, reports, stops when asked, repeats itself."""

from __future__ import annotations

import pytest
import torch

from ocr.engine.recognizers import ppocr_ctc
from ocr.training import TrainingCancelled, TrainingError
from ocr.training.evaluate import score_texts
from ocr.training.loop import Progress
from ocr.training.recognizer import RecognizerConfig, train_recognizer
from ocr.training.samples import LineSample

pytestmark = pytest.mark.model

TINY, TINY_DICTIONARY = ppocr_ctc.MODEL_FILES["tiny"]()


def test_it_learns_a_handwritten_line(poilus_lines: list[LineSample]) -> None:
    line = poilus_lines[0]  # "Par le présent j’institue"
    config = RecognizerConfig(
        steps=25, batch_size=1, learning_rate=3e-4, warmup=2, augment=False, eval_every=0
    )
    reports: list[Progress] = []
    trained = train_recognizer(
        TINY, [line], config, dictionary=TINY_DICTIONARY, on_progress=reports.append
    )
    before = score_texts([(line.text, t) for t in _base_read([line])]).cer
    after = score_texts([(line.text, t) for t in trained.read([line.pixels])]).cer
    assert after < before / 2, (before, after)
    assert [r.step for r in reports] == list(range(1, 26))
    assert reports[-1].loss < reports[0].loss
    assert trained.cpu_seconds > 0


def _base_read(lines: list[LineSample]) -> list[str]:
    from ocr.engine.recognizers.ppocr_ctc import PPOCRCTCRecognizer
    from ocr.engine.types import Crop, DetectedRegion

    reader = PPOCRCTCRecognizer(TINY, dictionary=TINY_DICTIONARY)
    whole = DetectedRegion(((0, 0), (1, 0), (1, 1), (0, 1)), 1.0)
    return [r.text for r in reader.recognize([Crop(whole, line.pixels) for line in lines])]


def test_it_measures_validation_lines_and_keeps_the_best_weights(
    poilus_lines: list[LineSample],
) -> None:
    config = RecognizerConfig(steps=4, batch_size=2, learning_rate=1e-3, warmup=1, eval_every=2)
    reports: list[Progress] = []
    trained = train_recognizer(
        TINY,
        poilus_lines[:2],
        config,
        dictionary=TINY_DICTIONARY,
        validation=poilus_lines[2:],
        on_progress=reports.append,
    )
    measured = [(r.step, r.metric) for r in reports if r.metric is not None]
    assert [step for step, _ in measured] == [0, 2, 4]
    best = min(metric for _, metric in measured if metric is not None)
    kept = score_texts(
        (line.text, text)
        for line, text in zip(
            poilus_lines[2:], trained.read([x.pixels for x in poilus_lines[2:]]), strict=True
        )
    ).cer
    assert kept == pytest.approx(best)


def test_it_stops_when_asked(poilus_lines: list[LineSample]) -> None:
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(TrainingCancelled):
        train_recognizer(
            TINY,
            poilus_lines,
            RecognizerConfig(steps=10, batch_size=1, eval_every=0),
            dictionary=TINY_DICTIONARY,
            should_stop=stop,
        )
    assert len(calls) == 3


def test_it_repeats_itself_from_the_same_seed(poilus_lines: list[LineSample]) -> None:
    def weights(seed: int) -> torch.Tensor:
        config = RecognizerConfig(steps=2, batch_size=2, learning_rate=1e-3, seed=seed)
        trained = train_recognizer(
            TINY, poilus_lines, config, dictionary=TINY_DICTIONARY, replay=poilus_lines[:1]
        )
        return torch.cat([p.detach().flatten() for p in trained.module.parameters()])

    first, again, other = weights(1), weights(1), weights(2)
    assert torch.equal(first, again)
    assert not torch.equal(first, other)


def test_it_freezes_the_early_layers(poilus_lines: list[LineSample]) -> None:
    from ocr.training.networks import recognizer_module

    config = RecognizerConfig(steps=1, batch_size=2, learning_rate=1e-2, freeze=0.5)
    trained = train_recognizer(TINY, poilus_lines, config, dictionary=TINY_DICTIONARY)
    _, untouched = recognizer_module(TINY)
    base = untouched.initializers()
    nodes = trained.module.graph.nodes
    early = {name for node in nodes[: len(nodes) // 2] for name in node.inputs}
    changed = {
        name
        for name, value in trained.module.initializers().items()
        if not torch.equal(value.detach(), base[name].detach())
    }
    assert changed and not (changed & early)


def test_it_refuses_lines_it_cannot_spell(poilus_lines: list[LineSample]) -> None:
    unknown = [LineSample(poilus_lines[0].pixels, "\U0001f600\U0001f601")]
    with pytest.raises(TrainingError, match="no training line"):
        train_recognizer(TINY, unknown, RecognizerConfig(steps=1), dictionary=TINY_DICTIONARY)
