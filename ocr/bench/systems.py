"""The systems measured: Legible's ready workflows and two baselines, behind one protocol.

Every system uses the same number of threads (`ocr.engine.runtime.thread_count()`: all CPUs, or
LEGIBLE_OCR_THREADS): our ONNX sessions and rapidocr's get it as intra-op threads with one
inter-op thread, and OMP_NUM_THREADS is set to it for Tesseract's (and torch's) OpenMP pool.
"""

from __future__ import annotations

import importlib
import os
from typing import Any, Protocol

import numpy as np

from ocr.engine.runtime import thread_count
from ocr.engine.tesseract import LANGUAGE, tessdata_dir
from ocr.engine.types import PageImage, Region, RGBImage

BASELINES = ("rapidocr", "tesseract")
WORKFLOW_PREFIX = "legible/"  # a workflow's system id; keeps ids apart from the baselines'


class BenchError(RuntimeError):
    """A system cannot be set up."""


class System(Protocol):
    def read(self, image: RGBImage) -> list[Region]:
        """The regions read on one RGB page, in any order."""
        ...


class WorkflowSystem:
    """One of Legible's ready workflows, as `python -m ocr.engine --workflow ID` runs it, or
    one of the benchmark's variants of them (workflows.py)."""

    def __init__(self, workflow: str) -> None:
        from ocr.engine.pipeline import get_pipeline

        from .workflows import bench_workflow

        self.pipeline = get_pipeline(bench_workflow(workflow))

    def read(self, image: RGBImage) -> list[Region]:
        return list(self.pipeline.read_page(PageImage(pixels=image)).regions)


class RapidOCRSystem:
    """rapidocr's own pipeline with the PP-OCRv6 small models its wheel ships and its line
    orientation classifier off: the strongest configuration in BASELINES.md."""

    def __init__(self) -> None:
        from rapidocr import RapidOCR

        from ocr.engine.weights import rapidocr_model

        threads = min(thread_count(), os.cpu_count() or 1)  # rapidocr ignores larger values
        # Explicit model paths: with none, rapidocr resolves a default and downloads it when
        # absent; these are the files of its config's PP-OCRv6 small det/rec.
        self.engine = RapidOCR(
            params={
                "Global.use_cls": False,
                "Global.log_level": "warning",
                "Det.model_path": str(rapidocr_model("PP-OCRv6_det_small.onnx")),
                "Rec.model_path": str(rapidocr_model("PP-OCRv6_rec_small.onnx")),
                "Cls.model_path": str(rapidocr_model("ch_ppocr_mobile_v2.0_cls_mobile.onnx")),
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )

    def read(self, image: RGBImage) -> list[Region]:
        # An array is taken as BGR (OpenCV's order); ours are RGB.
        output: Any = self.engine(np.ascontiguousarray(image[:, :, ::-1]))
        if output.boxes is None or output.txts is None:
            return []
        return [
            Region(
                polygon=tuple((float(x), float(y)) for x, y in box),
                text=str(text),
                score=float(score),
                detection_score=float(score),
            )
            for box, text, score in zip(output.boxes, output.txts, output.scores, strict=True)
            if str(text).strip()
        ]


class TesseractSystem:
    """Plain Tesseract (tesserocr, eng): the whole page with its default page segmentation,
    its text lines as regions."""

    def __init__(self) -> None:
        # Imported by name: tesserocr ships no type information.
        tesserocr = importlib.import_module("tesserocr")
        self.tesserocr: Any = tesserocr
        # The same English data as the engine's Tesseract models, found the same way.
        self.api = tesserocr.PyTessBaseAPI(path=str(tessdata_dir()), lang=LANGUAGE)

    def read(self, image: RGBImage) -> list[Region]:
        tesserocr = self.tesserocr
        height, width = image.shape[:2]
        # Raw pixels: handing over a PIL image would time an image encode as well.
        pixels = np.ascontiguousarray(image, dtype=np.uint8)
        self.api.SetImageBytes(pixels.tobytes(), width, height, 3, 3 * width)
        self.api.Recognize()
        regions = []
        level = tesserocr.RIL.TEXTLINE
        for line in tesserocr.iterate_level(self.api.GetIterator(), level):
            box = line.BoundingBox(level)
            text = (line.GetUTF8Text(level) or "").strip()
            if box is None or not text:
                continue
            left, top, right, bottom = (float(v) for v in box)
            score = float(line.Confidence(level)) / 100
            regions.append(
                Region(
                    polygon=((left, top), (right, top), (right, bottom), (left, bottom)),
                    text=text,
                    score=score,
                    detection_score=score,
                )
            )
        self.api.Clear()
        return regions


def make_system(system_id: str) -> System:
    """The system behind an id: `legible/<workflow>`, `rapidocr` or `tesseract`."""
    if system_id.startswith(WORKFLOW_PREFIX):
        return WorkflowSystem(system_id.removeprefix(WORKFLOW_PREFIX))
    if system_id == "rapidocr":
        return RapidOCRSystem()
    if system_id == "tesseract":
        return TesseractSystem()
    raise BenchError(f"unknown system {system_id!r}")


def describe(system_id: str) -> str:
    """What a system is, for the report."""
    if system_id.startswith(WORKFLOW_PREFIX):
        from .workflows import describe_workflow

        return describe_workflow(system_id.removeprefix(WORKFLOW_PREFIX))
    return {
        "rapidocr": "rapidocr (its pipeline, PP-OCRv6 small det/rec, orientation classifier off)",
        "tesseract": "Tesseract via tesserocr (eng, default page segmentation, text lines)",
    }.get(system_id, system_id)
