"""TrOCR: a tiny random VisionEncoderDecoder saved like the published repository, read through
the gallery."""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ocr.engine import EngineError, get_model
from ocr.engine.recognizers.trocr import FOLDER, TrOCRRecognizer, _mean_token_probability
from ocr.engine.types import Crop, DetectedRegion

from .conftest import PHOTOTEST

SPECIALS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
BOS, PAD, EOS = 0, 1, 2


def _save_tiny_trocr(folder: Path) -> None:
    """A 1-layer ViT encoder and TrOCR decoder (hidden size 32) with a byte-level BPE tokenizer
    of single characters, all built offline and saved with save_pretrained."""
    from transformers import (
        RobertaTokenizer,
        TrOCRConfig,
        VisionEncoderDecoderConfig,
        VisionEncoderDecoderModel,
        ViTConfig,
        ViTImageProcessorPil,
    )

    # "Ġ" is how byte-level BPE writes a space.
    vocab = {token: i for i, token in enumerate([*SPECIALS, "Ġ", *string.ascii_letters])}
    tokenizer = RobertaTokenizer(vocab=vocab, merges=[])
    encoder = ViTConfig(
        image_size=32,
        patch_size=8,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
    )
    decoder = TrOCRConfig(
        vocab_size=len(vocab),
        d_model=32,
        decoder_layers=1,
        decoder_attention_heads=2,
        decoder_ffn_dim=64,
        max_position_embeddings=64,
        pad_token_id=PAD,
        bos_token_id=BOS,
        eos_token_id=EOS,
        decoder_start_token_id=EOS,
    )
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    config.decoder_start_token_id, config.pad_token_id, config.eos_token_id = EOS, PAD, EOS
    torch.manual_seed(0)
    model = VisionEncoderDecoderModel(config=config)
    generation = model.generation_config
    generation.decoder_start_token_id, generation.pad_token_id = EOS, PAD
    generation.eos_token_id, generation.bos_token_id = EOS, BOS
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    ViTImageProcessorPil(
        size={"height": 32, "width": 32}, image_mean=[0.5] * 3, image_std=[0.5] * 3
    ).save_pretrained(folder)


@pytest.fixture(scope="module")
def trocr_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("models")
    _save_tiny_trocr(root / FOLDER)
    return root


@pytest.fixture
def model_dir(trocr_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OCR_MODEL_DIR", str(trocr_dir))
    monkeypatch.setenv("OCR_DEVICE", "cpu")
    return trocr_dir


def _crops() -> list[Crop]:
    page = np.asarray(Image.open(PHOTOTEST).convert("RGB"))
    # The page's first two lines: "This is a lot of 12 point text to test the" and "ocr code...".
    boxes = [(30, 88, 625, 124), (30, 124, 625, 159)]
    return [
        Crop(
            region=DetectedRegion(
                polygon=((left, top), (right, top), (right, bottom), (left, bottom)), score=1.0
            ),
            pixels=np.ascontiguousarray(page[top:bottom, left:right]),
        )
        for left, top, right, bottom in boxes
    ]


@pytest.mark.parametrize("num_beams", [1, 2])
def test_it_reads_crops_through_the_gallery(model_dir: Path, num_beams: int) -> None:
    spec = get_model("trocr-base-printed")
    recognizer = spec.loader({**spec.defaults(), "num_beams": num_beams, "max_length": 8})
    assert isinstance(recognizer, TrOCRRecognizer)
    results = recognizer.recognize(_crops())
    assert len(results) == 2
    for result in results:
        assert isinstance(result.text, str)
        assert set(result.text) <= set(string.ascii_letters + " ")
        assert 0.0 < result.score <= 1.0


def test_it_batches_without_changing_the_results(model_dir: Path) -> None:
    spec = get_model("trocr-base-printed")
    crops = _crops()
    one_by_one = spec.loader({**spec.defaults(), "batch_size": 1, "max_length": 8})
    together = spec.loader({**spec.defaults(), "batch_size": 8, "max_length": 8})
    empty = Crop(region=crops[0].region, pixels=np.zeros((0, 5, 3), dtype=np.uint8))
    single = one_by_one.recognize(crops)
    batched = together.recognize([crops[0], empty, crops[1]])
    assert [r.text for r in single] == [batched[0].text, batched[2].text]
    for a, b in zip(single, [batched[0], batched[2]], strict=True):
        assert a.score == pytest.approx(b.score, abs=1e-4)
    assert (batched[1].text, batched[1].score) == ("", 0.0)


def test_it_averages_token_probabilities_up_to_the_end_token() -> None:
    tokens = torch.tensor([10, 11, EOS, PAD, PAD])
    probs = torch.tensor([0.9, 0.6, 0.3, 0.0001, 0.0001])
    assert _mean_token_probability(tokens, probs, EOS) == pytest.approx(0.6)
    assert _mean_token_probability(tokens[:2], probs[:2], EOS) == pytest.approx(0.75)


def test_it_says_where_to_put_a_missing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OCR_MODEL_DIR", str(tmp_path))
    spec = get_model("trocr-base-printed")
    with pytest.raises(EngineError, match="trocr-base-printed") as info:
        spec.loader(spec.defaults())
    assert str(tmp_path / FOLDER) in str(info.value)
    (tmp_path / FOLDER).mkdir()
    with pytest.raises(EngineError, match="cannot load the TrOCR model"):
        spec.loader(spec.defaults())
