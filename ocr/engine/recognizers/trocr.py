"""TrOCR (Li et al. 2021): a transformers VisionEncoderDecoder read from a folder in OCR_MODEL_DIR.

The folder has the layout of the published Hugging Face repository (config.json, the weights,
preprocessor_config.json and the tokenizer files); it is only ever read from disk.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from ..device import torch_device
from ..errors import EngineError
from ..types import Crop, Recognition
from ..weights import model_dir_file

# The folder under OCR_MODEL_DIR, named like the published repository it is a copy of.
FOLDER = "trocr-base-printed"
SOURCE = "a copy of the Hugging Face repository microsoft/trocr-base-printed"


@functools.lru_cache(maxsize=2)
def _load(folder: Path, mtime: float, device: str) -> tuple[Any, Any, Any]:
    """(model, image processor, tokenizer) of one folder (and version of it) per device, shared
    by every adapter of the process: batch size and beams do not change the weights."""
    from transformers import AutoImageProcessor, AutoTokenizer, VisionEncoderDecoderModel

    try:
        # local_files_only everywhere: the Hugging Face hub is never asked, whatever
        # HF_HUB_OFFLINE says.
        model: Any = VisionEncoderDecoderModel.from_pretrained(folder, local_files_only=True)
        # The PIL backend: transformers prefers torchvision, which the engine does not use.
        images = AutoImageProcessor.from_pretrained(folder, local_files_only=True, backend="pil")
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    except (OSError, ValueError) as exc:  # missing or unreadable files, unknown classes
        raise EngineError(f"cannot load the TrOCR model in {folder}: {exc}") from exc
    return model.to(torch.device(device)).eval(), images, tokenizer


def load_model(folder: Path, device: torch.device) -> tuple[Any, Any, Any]:
    config = folder / "config.json"
    mtime = config.stat().st_mtime if config.is_file() else 0.0
    return _load(folder, mtime, str(device))


class TrOCRRecognizer:
    """Reads line or word crops with a TrOCR encoder-decoder, a batch at a time."""

    def __init__(
        self,
        model: Any,
        image_processor: Any,
        tokenizer: Any,
        *,
        device: torch.device | None = None,
        batch_size: int = 8,
        num_beams: int = 1,
        max_length: int = 64,
    ) -> None:
        self.model = model
        self.image_processor = image_processor
        self.tokenizer = tokenizer
        self.device = device or torch.device("cpu")
        self.batch_size = batch_size
        self.num_beams = num_beams
        self.max_length = max_length

    @classmethod
    def from_params(cls, params: Mapping[str, Any], folder: str = FOLDER) -> TrOCRRecognizer:
        device = torch_device()
        path = model_dir_file(folder, source=SOURCE)
        if not path.is_dir():
            raise EngineError(f"{path} must be a folder holding {SOURCE}")
        model, image_processor, tokenizer = load_model(path, device)
        return cls(model, image_processor, tokenizer, device=device, **params)

    def recognize(self, crops: Sequence[Crop]) -> list[Recognition]:
        results = [Recognition("", 0.0)] * len(crops)
        # An empty crop has nothing to read and would stop the image processor.
        readable = [i for i, c in enumerate(crops) if c.pixels.shape[0] and c.pixels.shape[1]]
        for start in range(0, len(readable), self.batch_size):
            batch = readable[start : start + self.batch_size]
            for index, result in zip(batch, self._read([crops[i] for i in batch]), strict=True):
                results[index] = result
        return results

    def _read(self, crops: Sequence[Crop]) -> list[Recognition]:
        pixels = self.image_processor(
            images=[c.pixels for c in crops], return_tensors="pt"
        ).pixel_values
        with torch.inference_mode():
            out = self.model.generate(
                pixels.to(self.device),
                num_beams=self.num_beams,
                max_new_tokens=self.max_length,
                output_scores=True,
                return_dict_in_generate=True,
            )
            log_probs = self.model.compute_transition_scores(
                out.sequences,
                out.scores,
                getattr(out, "beam_indices", None),
                normalize_logits=True,
            )
        # sequences open with the decoder start token; scores cover the tokens after it.
        tokens = out.sequences[:, -log_probs.shape[1] :].cpu()
        probs = log_probs.float().exp().cpu()
        texts = self.tokenizer.batch_decode(out.sequences, skip_special_tokens=True)
        return [
            Recognition(text=text.strip(), score=_mean_token_probability(row, probs[i], self._eos))
            for i, (text, row) in enumerate(zip(texts, tokens, strict=True))
        ]

    @property
    def _eos(self) -> int | None:
        eos = self.model.generation_config.eos_token_id
        return eos[0] if isinstance(eos, list) else eos


def _mean_token_probability(tokens: torch.Tensor, probs: torch.Tensor, eos: int | None) -> float:
    """Mean probability of the tokens generated up to and including the first end token (what
    follows is padding of a batch whose other rows ran longer)."""
    length = len(tokens)
    if eos is not None:
        ends = (tokens == eos).nonzero()
        if len(ends):
            length = int(ends[0, 0]) + 1
    if length == 0:
        return 0.0
    return float(probs[:length].mean().clamp(0.0, 1.0))
