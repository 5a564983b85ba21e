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


def test_it_holds_the_replayed_lines_to_the_base_when_distilling(
    poilus_lines: list[LineSample],
) -> None:
    from ocr.training.ctc import make_batch
    from ocr.training.networks import recognizer_module

    replayed = poilus_lines[3:]
    batch = make_batch([(line.pixels, ()) for line in replayed])
    _, base = recognizer_module(TINY)
    with torch.no_grad():
        reference = torch.log_softmax(base(batch.images), dim=-1)

    def drift(distill: float) -> float:
        config = RecognizerConfig(
            steps=8,
            batch_size=2,
            learning_rate=2e-3,
            warmup=1,
            replay_share=0.5,
            distill=distill,
            augment=False,
        )
        trained = train_recognizer(
            TINY, poilus_lines[:3], config, dictionary=TINY_DICTIONARY, replay=replayed
        )
        with torch.no_grad():
            moved = torch.log_softmax(trained.module(batch.images), dim=-1)
        return float((reference.exp() * (reference - moved)).sum(-1).mean())

    free, held = drift(0.0), drift(5.0)
    assert held < free / 2, (free, held)


def test_it_merges_the_trained_weights_back_toward_the_base(
    poilus_lines: list[LineSample],
) -> None:
    from ocr.training.networks import recognizer_module

    base = recognizer_module(TINY)[1].initializers()

    def trained(merge: float) -> dict[str, torch.Tensor]:
        config = RecognizerConfig(steps=2, batch_size=2, learning_rate=1e-2, merge=merge)
        module = train_recognizer(TINY, poilus_lines, config, dictionary=TINY_DICTIONARY).module
        return {k: v.detach() for k, v in module.initializers().items()}

    full, half, none = trained(1.0), trained(0.5), trained(0.0)
    moved = [k for k in full if not torch.equal(full[k], base[k].detach())]
    assert moved
    for name in moved:
        assert torch.allclose(none[name], base[name].detach())
        middle = (full[name] + base[name].detach()) / 2
        assert torch.allclose(half[name], middle, atol=1e-6), name


def test_it_merges_toward_saved_weights_as_toward_its_own() -> None:
    # The training bench's --evaluate --merge moves the base's weights toward a saved file's.
    from ocr.training.networks import recognizer_module
    from ocr.training.recognizer import merge_into, weights

    module = recognizer_module(TINY)[1]
    start = weights(module)
    end = {k: v * 3 for k, v in start.items() if v.is_floating_point()}
    merge_into(module, start, 0.25, end=end)
    merged = module.initializers()
    for name in end:
        assert torch.allclose(merged[name], start[name] * 1.5), name
