"""Tesseract's LSTM recognizer reading one crop at a time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..alphabets import DEFAULT, characters
from ..tesseract import get_api, set_image
from ..types import Crop, Recognition, RGBImage, WordSpan

# Gallery choice -> tesserocr.PSM value (kept as numbers so the gallery never imports tesserocr).
MODES: dict[str, int] = {
    "single_line": 7,  # PSM.SINGLE_LINE
    "raw_line": 13,  # PSM.RAW_LINE: no Tesseract-specific line hacks
    "single_word": 8,  # PSM.SINGLE_WORD
    "single_block": 6,  # PSM.SINGLE_BLOCK: a crop holding several lines
}
MIN_CONTRAST = 24  # grey levels between a crop's darkest and lightest pixel: less is blank paper
BORDER = 10  # Tesseract reads text that touches the image edge badly (measured: "Is" for "is")


def add_border(pixels: RGBImage, border: int = BORDER) -> RGBImage:
    """The crop with a margin in its own background colour (the median of its edge pixels)."""
    edges = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    background = np.median(edges, axis=0).astype(np.uint8)
    height, width = pixels.shape[:2]
    out = np.empty((height + 2 * border, width + 2 * border, 3), dtype=np.uint8)
    out[:] = background
    out[border : border + height, border : border + width] = pixels
    return out


class TesseractLineRecognizer:
    """Reads each crop with Tesseract in a fixed page segmentation mode (single line by default)."""

    def __init__(self, *, psm: str = "single_line", alphabet: str = DEFAULT) -> None:
        self.psm = MODES[psm]
        # Tesseract's own whitelist masks its LSTM's outputs, as the PP-OCR recognizers' cut
        # output layer does. (English data says little outside Latin anyway.)
        self.whitelist = characters(alphabet)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> TesseractLineRecognizer:
        return cls(psm=str(params["psm"]), alphabet=str(params.get("alphabet", DEFAULT)))

    def recognize(self, crops: Sequence[Crop]) -> list[Recognition]:
        api = get_api(self.psm)
        # The API is shared by every recognizer of this thread: set ours each time.
        api.SetVariable("tessedit_char_whitelist", self.whitelist)
        results = [self._read(api, crop.pixels) for crop in crops]
        api.Clear()
        return results

    @staticmethod
    def _read(api: Any, pixels: RGBImage) -> Recognition:
        from tesserocr import RIL  # type: ignore[import-untyped]

        if pixels.size == 0 or np.ptp(pixels) < MIN_CONTRAST:
            return Recognition("", 0.0)
        set_image(api, add_border(pixels))
        api.Recognize()
        width = pixels.shape[1]
        words: list[str] = []
        confidences: list[float] = []
        spans: list[WordSpan] = []
        iterator = api.GetIterator()
        while iterator is not None and not iterator.Empty(RIL.WORD):
            word = (iterator.GetUTF8Text(RIL.WORD) or "").strip()
            confidence = iterator.Confidence(RIL.WORD)
            # In line and word modes Tesseract always "reads" something, even on a blank crop,
            # and marks such guesses with confidence 0.
            if word and confidence > 0:
                words.append(word)
                confidences.append(confidence)
                box = iterator.BoundingBox(RIL.WORD)
                if box is not None and " " not in word:
                    left, right = box[0] - BORDER, box[2] - BORDER
                    spans.append(
                        WordSpan(
                            text=word,
                            start=float(np.clip(left / width, 0, 1)),
                            end=float(np.clip(right / width, 0, 1)),
                            score=confidence / 100.0,
                        )
                    )
            if not iterator.Next(RIL.WORD):
                break
        if not words:
            return Recognition("", 0.0)
        # Words joined by single spaces: one region holds one line of text, even in block mode.
        return Recognition(
            text=" ".join(words),
            score=float(np.mean(confidences)) / 100.0,
            words=tuple(spans) if len(spans) == len(words) else (),
        )
