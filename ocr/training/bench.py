"""Benchmarks of training on the development sets (figures, not tests).

    python -m ocr.training.bench detector DATASET_DIR [--train 20] [--test 20] ...
    python -m ocr.training.bench recognizer --train DIR[:SPLIT] --test DIR[:SPLIT]... \\
        [--print-check DIR]...

`detector` trains on the first --train pages of a set with word or line polygons and scores
the base and the trained detector (the engine's post-processing, onnxruntime, as workers run
them) on the --test pages after them: precision, recall, hmean at IoU 0.5. The base reads with
--params; the trained one with the scale and post-processing it carries (chosen on its
training pages, within the training's CPU time).
`recognizer` fine-tunes on the lines of the --train pages and reports, for the base and the
trained recognizer, the line CER on the truth's line crops (cut by the product's cropper, so
detection is left out), the page CER of the default detector with each recognizer, and the
line CER on each --print-check set, so a model that forgets print shows.
Both print the CPU time of the training (getrusage: all threads), its wall time and the
machine; every rate is case-insensitive and pooled over lines or pages.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ocr.bench.datasets import parse_page
from ocr.bench.report import machine
from ocr.bench.scoring import score_page
from ocr.engine.cropper import PerspectiveCropper
from ocr.engine.detectors import ppocr_db
from ocr.engine.images import load_image
from ocr.engine.pipeline import Pipeline
from ocr.engine.recognizers import ppocr_ctc
from ocr.engine.recognizers.ppocr_ctc import PPOCRCTCRecognizer, load_charset
from ocr.engine.runtime import thread_count
from ocr.engine.types import Crop, DetectedRegion, PageImage

from .detector import (
    DetectorConfig,
    detection_scores,
    engine_detector,
    reading_scale,
    train_detector,
)
from .evaluate import TextScore, score_texts
from .loop import Progress
from .networks import LogitsNetwork, recognizer_module
from .recognizer import (
    RecognizerConfig,
    TrainedRecognizer,
    merge_into,
    train_recognizer,
    weights,
)
from .samples import DetectionSample, LineSample, TruthRegion, detection_sample, line_samples
from .synthetic import handwriting_fonts, printed_fonts, synthetic_lines


@dataclass(frozen=True)
class SetRef:
    """A development set folder and, optionally, the `split` its pages must carry."""

    root: Path
    split: str | None = None

    @classmethod
    def parse(cls, value: str) -> SetRef:
        path, _, split = value.partition(":")
        root = Path(path)
        if not (root / "gt.jsonl").is_file():
            raise argparse.ArgumentTypeError(f"{root} has no gt.jsonl")
        return cls(root, split or None)

    @property
    def label(self) -> str:
        return self.root.resolve().name + (f":{self.split}" if self.split else "")

    def rows(self) -> list[dict[str, Any]]:
        rows = []
        with (self.root / "gt.jsonl").open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    row = json.loads(line)
                    if self.split is None or row.get("split") == self.split:
                        rows.append(row)
        return rows


def _regions(row: dict[str, Any], key: str) -> list[TruthRegion]:
    return [
        TruthRegion(tuple((float(x), float(y)) for x, y in item["polygon"]), str(item["text"]))
        for item in row.get(key) or []
    ]


def _key(row: dict[str, Any]) -> str:
    return "lines" if row.get("lines") else "words"


def _progress(report: Progress) -> None:
    if report.metric is not None or report.step % 10 == 0:
        metric = f" metric {report.metric:.4f}" if report.metric is not None else ""
        print(
            f"  step {report.step}/{report.total} loss {report.loss:.4f}{metric} "
            f"cpu {report.cpu_seconds:.0f} s wall {report.wall_seconds:.0f} s",
            file=sys.stderr,
            flush=True,
        )


def _write(out: Path | None, name: str, data: dict[str, Any]) -> None:
    if out is None:
        return
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written: {path}", file=sys.stderr)


def run_detector(args: argparse.Namespace) -> dict[str, Any]:
    rows = args.data.rows()
    if len(rows) < args.train + args.test:
        raise SystemExit(f"error: {args.data.label} has {len(rows)} pages, fewer than asked")
    pick = rows[: args.train + args.test]

    def sample(row: dict[str, Any]) -> DetectionSample:
        image = load_image(args.data.root / row["image"])
        return detection_sample(image, _regions(row, _key(row)))

    train = [sample(row) for row in pick[: args.train]]
    test = [sample(row) for row in pick[args.train :]]
    base = ppocr_db.MODEL_FILES[args.variant]()
    params = json.loads(args.params)
    # The scale an app's training chooses (from its regions' sizes) unless one is given.
    max_side, upscale = (
        reading_scale(train) if args.max_side is None else (args.max_side, args.upscale)
    )
    config = DetectorConfig(
        steps=args.steps,
        batch_size=args.batch_size,
        crop=args.crop,
        learning_rate=args.lr,
        freeze=args.freeze,
        max_side=max_side,
        upscale=upscale,
        calibrate=not args.no_calibrate,
        seed=args.seed,
        threads=args.threads,
        eval_every=0,
    )
    print(f"training on {len(train)} pages: {config}", file=sys.stderr)
    trained = train_detector(base, train, config, on_progress=_progress)
    print(
        f"trained: {trained.cpu_seconds:.0f} s CPU, {trained.wall_seconds:.0f} s wall; "
        f"reads with {trained.params}",
        file=sys.stderr,
        flush=True,
    )
    with tempfile.TemporaryDirectory() as folder:
        path = trained.export(args.save or Path(folder) / "detector.onnx")
        base_score = detection_scores(engine_detector(base, None, params), test)
        # The trained model reads with the parameters it carries, less any --trained-params.
        own = json.loads(args.trained_params)
        trained_score = detection_scores(engine_detector(path, None, own), test)
    return {
        "kind": "detector",
        "machine": machine(args.threads or thread_count()),
        "data": args.data.label,
        "truth": _key(pick[0]),
        "train_pages": [row["image"] for row in pick[: args.train]],
        "test_pages": [row["image"] for row in pick[args.train :]],
        "base_model": f"ppocrv6-{args.variant}-det",
        "detector_params": params,
        "trained_params": {**trained.params, **json.loads(args.trained_params)},
        "config": asdict(config),
        "base": base_score.metrics(),
        "trained": trained_score.metrics(),
        "train_cpu_seconds": round(trained.cpu_seconds, 1),
        "train_wall_seconds": round(trained.wall_seconds, 1),
    }


def _lines(ref: SetRef) -> tuple[list[LineSample], list[dict[str, Any]]]:
    samples: list[LineSample] = []
    rows = ref.rows()
    for row in rows:
        samples += line_samples(load_image(ref.root / row["image"]), _regions(row, "lines"))
    return samples, rows


def _read(recognizer: PPOCRCTCRecognizer, lines: Sequence[LineSample]) -> TextScore:
    whole = DetectedRegion(((0, 0), (1, 0), (1, 1), (0, 1)), 1.0)
    found = recognizer.recognize([Crop(whole, line.pixels) for line in lines])
    return score_texts((line.text, r.text) for line, r in zip(lines, found, strict=True))


def _self_labelled(recognizer: PPOCRCTCRecognizer, lines: Sequence[LineSample]) -> list[LineSample]:
    """The lines with the recognizer's own reading as their text (those it read as nothing
    are left out)."""
    whole = DetectedRegion(((0, 0), (1, 0), (1, 1), (0, 1)), 1.0)
    found = recognizer.recognize([Crop(whole, line.pixels) for line in lines])
    return [
        LineSample(line.pixels, r.text)
        for line, r in zip(lines, found, strict=True)
        if r.text.strip()
    ]


def _page_cer(
    ref: SetRef,
    rows: Sequence[dict[str, Any]],
    recognizers: dict[str, PPOCRCTCRecognizer],
    found: list[list[DetectedRegion]] | None = None,
) -> tuple[dict[str, float], list[list[DetectedRegion]]]:
    """Page CER of the default detector and cropper with each recognizer, the benchmark's
    protocol (ocr.bench.scoring: truth-order, case-insensitive, pooled); also the regions
    the detector found on each page, which `found` gives back from an earlier run."""
    detector = ppocr_db.PPOCRDBDetector.from_params({}, "small")
    cropper = PerspectiveCropper()
    totals = {name: [0, 0] for name in recognizers}
    regions: list[list[DetectedRegion]] = []
    for index, row in enumerate(rows):
        truth = parse_page(row, ref.root, f"{ref.label}:{index}")
        page = PageImage(load_image(truth.image).pixels, index)
        regions.append(found[index] if found is not None else detector.detect(page))
        for name, recognizer in recognizers.items():
            result = Pipeline(_Fixed(regions[-1]), cropper, recognizer).read_page(page)
            score = score_page(truth, result.regions, None)
            totals[name][0] += score.char_errors
            totals[name][1] += score.chars
    cer = {name: round(errors / max(chars, 1), 4) for name, (errors, chars) in totals.items()}
    return cer, regions


def _to_json(regions: list[list[DetectedRegion]]) -> list[list[dict[str, Any]]]:
    return [[{"polygon": r.polygon, "score": r.score} for r in page] for page in regions]


def _from_json(data: list[list[dict[str, Any]]]) -> list[list[DetectedRegion]]:
    return [
        [DetectedRegion(tuple((x, y) for x, y in r["polygon"]), r["score"]) for r in page]
        for page in data
    ]


class _Fixed:
    """A detector that returns regions found once, so both recognizers read the same ones."""

    def __init__(self, regions: list[DetectedRegion]) -> None:
        self.regions = regions

    def detect(self, page: PageImage) -> list[DetectedRegion]:
        return self.regions


def _cache_key(ref: SetRef, variant: str) -> str:
    """Names a set's base figures: the set's truth file as it is now and the base model."""
    stat = (ref.root / "gt.jsonl").stat()
    where = f"{ref.root.resolve()}|{ref.split or ''}|{stat.st_size}|{stat.st_mtime_ns}"
    return f"ppocrv6-{variant}-rec|{where}"


def _load_cache(path: Path | None) -> dict[str, Any]:
    if path is None or not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _save_cache(path: Path | None, key: str, entry: dict[str, Any]) -> None:
    """Adds one set's base figures, re-reading the file first so runs started side by side
    keep each other's entries."""
    if path is None:
        return
    data = _load_cache(path)
    data[key] = entry
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    temporary.replace(path)


def _score_sets(
    args: argparse.Namespace, recognizers: dict[str, PPOCRCTCRecognizer]
) -> dict[str, dict[str, Any]]:
    """Line CER of every test and print-check set, page CER of the test sets; the base's
    figures come from --base-cache where it holds them (the base never changes, and reading
    888 printed lines twice per run is time a shared machine does not have)."""
    sets: dict[str, dict[str, Any]] = {}
    for ref in [*args.test, *args.print_check]:
        started = time.monotonic()
        lines, rows = _lines(ref)
        page_cer = ref in args.test and not args.no_page_cer
        key = _cache_key(ref, args.variant)
        cached = _load_cache(args.base_cache).get(key, {})
        if page_cer and "page_cer" not in cached:
            cached = {}
        readers = {n: r for n, r in recognizers.items() if not (n == "base" and cached)}
        entry: dict[str, Any] = {"pages": len(rows), "lines": len(lines)}
        for name, recognizer in readers.items():
            entry[f"{name}_line_cer"] = round(_read(recognizer, lines).cer, 4)
        regions: list[list[DetectedRegion]] | None = None
        if page_cer and readers:
            # The detector is the same in every run: its regions are kept with the base's.
            known = _from_json(cached["regions"]) if "regions" in cached else None
            figures, regions = _page_cer(ref, rows, readers, known)
            for name, value in figures.items():
                entry[f"{name}_page_cer"] = value
        if cached:
            entry["base_line_cer"] = cached["line_cer"]
            if page_cer:
                entry["base_page_cer"] = cached["page_cer"]
                if "regions" not in cached and regions is not None:
                    _save_cache(args.base_cache, key, {**cached, "regions": _to_json(regions)})
            entry["base_from_cache"] = True
        elif "base" in recognizers:
            kept: dict[str, Any] = {"line_cer": entry["base_line_cer"]}
            if page_cer and regions is not None:
                kept.update(page_cer=entry["base_page_cer"], regions=_to_json(regions))
            _save_cache(args.base_cache, key, kept)
        entry["seconds"] = round(time.monotonic() - started, 1)
        sets[ref.label] = entry
        print(f"{ref.label}: {entry}", file=sys.stderr, flush=True)
    return sets


def _evaluate_saved(
    args: argparse.Namespace, base: Path, base_reader: PPOCRCTCRecognizer, dictionary: Path | None
) -> dict[str, Any]:
    """Scores a recognizer a run saved (--save), moved --merge of the way from the base's
    weights to its own: what a merge would have given, without training again."""
    report: dict[str, Any] = {
        "kind": "recognizer",
        "machine": machine(args.threads or thread_count()),
        "base_model": f"ppocrv6-{args.variant}-rec",
        "evaluated": str(args.evaluate),
        "merge": args.merge,
    }
    with tempfile.TemporaryDirectory() as folder:
        path = args.evaluate
        if args.merge < 1:
            # Into the base's own graph: the saved file's is the export's (its layer norms
            # spelt out), which would not export a second time.
            graph, module = recognizer_module(base)
            saved = recognizer_module(args.evaluate)[1].initializers()
            merge_into(module, weights(module), args.merge, end=saved)
            charset = load_charset(LogitsNetwork(graph, module, "softmax"), dictionary)
            merged = TrainedRecognizer(base, graph, module, charset, "character" in graph.metadata)
            path = merged.export(args.save or Path(folder) / "merged.onnx")
        recognizers = {"base": base_reader, "trained": PPOCRCTCRecognizer(path)}
        report["sets"] = _score_sets(args, recognizers)
    return report


def run_recognizer(args: argparse.Namespace) -> dict[str, Any]:
    base, dictionary = ppocr_ctc.MODEL_FILES[args.variant]()
    base_reader = PPOCRCTCRecognizer(base, dictionary=dictionary)
    if args.base_only:
        return {
            "kind": "recognizer",
            "machine": machine(args.threads or thread_count()),
            "base_model": f"ppocrv6-{args.variant}-rec",
            "sets": _score_sets(args, {"base": base_reader}),
        }
    if args.evaluate:
        return _evaluate_saved(args, base, base_reader, dictionary)
    if not args.train:
        raise SystemExit("error: --train is needed (unless --base-only or --evaluate)")
    train: list[LineSample] = []
    for ref in args.train:
        train += _lines(ref)[0]
    corpus = [line.text for line in train]
    # Printed lines of the training texts, replayed so the model keeps reading print.
    replay = synthetic_lines(corpus, args.printed, printed_fonts(), seed=args.seed)
    # Real printed lines labelled with the base's own reading, not the truth (an app has no
    # truth for its machine lines): replaying them keeps the base's habits on print.
    for ref in args.replay_set:
        lines = _lines(ref)[0]
        step = max(1, len(lines) // max(args.replay_lines, 1))  # spread over the whole set
        replay += _self_labelled(base_reader, lines[::step][: args.replay_lines])
    # The same texts in handwriting fonts: more hands than the pages hold.
    fonts = handwriting_fonts()
    if args.handwriting and not fonts:
        raise SystemExit("error: no handwriting font installed (scripts/install-fonts)")
    train += synthetic_lines(corpus, args.handwriting, fonts, seed=args.seed + 1)
    config = RecognizerConfig(
        steps=args.steps,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        freeze=args.freeze,
        replay_share=args.replay_share if replay else 0.0,
        distill=args.distill,
        distill_temperature=args.distill_temperature,
        merge=args.merge,
        seed=args.seed,
        threads=args.threads,
        eval_every=0,
    )
    print(f"training on {len(train)} lines, {len(replay)} replayed: {config}", file=sys.stderr)
    trained = train_recognizer(
        base, train, config, dictionary=dictionary, replay=replay, on_progress=_progress
    )
    report: dict[str, Any] = {
        "kind": "recognizer",
        "machine": machine(args.threads or thread_count()),
        "train": [ref.label for ref in args.train],
        "train_lines": len(train),
        "replay_lines": len(replay),
        "replay_sets": [ref.label for ref in args.replay_set],
        "handwriting_font_lines": args.handwriting,
        "base_model": f"ppocrv6-{args.variant}-rec",
        "config": asdict(config),
        "train_cpu_seconds": round(trained.cpu_seconds, 1),
        "train_wall_seconds": round(trained.wall_seconds, 1),
    }
    with tempfile.TemporaryDirectory() as folder:
        path = trained.export(args.save or Path(folder) / "recognizer.onnx")
        recognizers = {"base": base_reader, "trained": PPOCRCTCRecognizer(path)}
        report["sets"] = _score_sets(args, recognizers)
    return report


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ocr.training.bench", description=__doc__)
    kinds = parser.add_subparsers(dest="kind", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--variant", choices=["small", "tiny"], default="small")
    common.add_argument("--seed", type=int, default=0)
    common.add_argument("--threads", type=int, help="torch threads (default: the engine's)")
    common.add_argument("--freeze", type=float, default=0.0, help="share of early nodes frozen")
    common.add_argument("--out", type=Path, help="folder to write the figures to as JSON")
    common.add_argument("--save", type=Path, help="also keep the trained model at this path")

    det = kinds.add_parser("detector", parents=[common], help="train a DB text detector")
    det.add_argument("data", type=SetRef.parse, metavar="DATASET_DIR[:SPLIT]")
    det.add_argument("--train", type=int, default=20, help="pages to train on (the first)")
    det.add_argument("--test", type=int, default=20, help="pages to score on (the next)")
    det.add_argument("--steps", type=int, default=DetectorConfig.steps)
    det.add_argument("--batch-size", type=int, default=DetectorConfig.batch_size)
    det.add_argument("--crop", type=int, default=DetectorConfig.crop)
    det.add_argument("--lr", type=float, default=DetectorConfig.learning_rate)
    det.add_argument("--params", default="{}", help="the base detector's parameters as JSON")
    det.add_argument(
        "--trained-params", default="{}", help="override the trained detector's own (JSON)"
    )
    det.add_argument(
        "--max-side", type=int, help="read pages at this scale (default: as an app chooses)"
    )
    det.add_argument("--upscale", action="store_true", help="enlarge pages to --max-side")
    det.add_argument(
        "--no-calibrate", action="store_true", help="keep the engine's post-processing"
    )

    rec = kinds.add_parser("recognizer", parents=[common], help="fine-tune a CTC recognizer")
    rec.add_argument("--train", type=SetRef.parse, action="append", default=[])
    rec.add_argument("--test", type=SetRef.parse, action="append", default=[])
    rec.add_argument("--print-check", type=SetRef.parse, action="append", default=[])
    rec.add_argument("--steps", type=int, default=RecognizerConfig.steps)
    rec.add_argument("--batch-size", type=int, default=RecognizerConfig.batch_size)
    rec.add_argument("--lr", type=float, default=RecognizerConfig.learning_rate)
    rec.add_argument("--printed", type=int, default=0, help="printed lines rendered and replayed")
    rec.add_argument("--handwriting", type=int, default=0, help="lines in handwriting fonts")
    rec.add_argument("--replay-share", type=float, default=RecognizerConfig.replay_share)
    rec.add_argument(
        "--replay-set",
        type=SetRef.parse,
        action="append",
        default=[],
        help="printed set whose line crops are replayed with the base's own reading",
    )
    rec.add_argument("--replay-lines", type=int, default=600, help="lines of each --replay-set")
    rec.add_argument("--no-page-cer", action="store_true", help="skip the page CER (faster)")
    rec.add_argument(
        "--distill",
        type=float,
        default=RecognizerConfig.distill,
        help="weight of the base's per-step distributions as targets on replayed lines",
    )
    rec.add_argument(
        "--distill-temperature", type=float, default=RecognizerConfig.distill_temperature
    )
    rec.add_argument(
        "--base-cache", type=Path, help="JSON file keeping the base's figures between runs"
    )
    rec.add_argument(
        "--base-only", action="store_true", help="score the base only (fills --base-cache)"
    )
    rec.add_argument(
        "--merge",
        type=float,
        default=RecognizerConfig.merge,
        help="keep the weights this share of the way from the base's to the trained ones",
    )
    rec.add_argument(
        "--evaluate", type=Path, help="score this saved recognizer (--save) instead of training"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    os.environ.setdefault("OCR_RUNTIME", "onnxruntime")  # score as CPU workers read
    report = run_detector(args) if args.kind == "detector" else run_recognizer(args)
    print(json.dumps(report, indent=1, ensure_ascii=False))
    _write(args.out, args.kind, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
