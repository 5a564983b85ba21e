"""`python -m ocr.bench` and its scoring, on sets made from the phototest fixture."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ocr.bench.datasets import DatasetError, load_dataset, parse_page
from ocr.bench.runner import run_system
from ocr.bench.scoring import (
    anchored_text,
    bag_of_words,
    match_boxes,
    polygon_area,
    polygon_iou,
    score_page,
    summarise,
)
from ocr.engine.types import Polygon, Region
from tests.conftest import PHOTOTEST_TEXT

ROOT = Path(__file__).resolve().parents[2]
PHOTOTEST = ROOT / "tests" / "fixtures" / "phototest.png"

# phototest's lines, boxed by hand: (right edge, text); each 32 px high, 34 px apart, from x=36.
PHOTOTEST_LINES = [
    (580, "This is a lot of 12 point text to test the"),
    (618, "ocr code and see if it works on all types"),
    (224, "of file format."),
    (586, "The quick brown dog jumped over the"),
    (586, "lazy fox. The quick brown dog jumped"),
    (598, "over the lazy fox. The quick brown dog"),
    (562, "jumped over the lazy fox. The quick"),
    (562, "brown dog jumped over the lazy fox."),
]


def box(left: float, top: float, right: float, bottom: float) -> Polygon:
    return ((left, top), (right, top), (right, bottom), (left, bottom))


def region(polygon: Polygon, text: str) -> Region:
    return Region(polygon=polygon, text=text, score=1.0, detection_score=1.0)


def write_set(folder: Path, rows: list[dict[str, object]]) -> Path:
    folder.mkdir()
    shutil.copy(PHOTOTEST, folder / "phototest.png")
    (folder / "gt.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    return folder


def lines_row() -> dict[str, object]:
    lines = [
        {"text": text, "polygon": box(36, 90 + 34 * i, right, 122 + 34 * i)}
        for i, (right, text) in enumerate(PHOTOTEST_LINES)
    ]
    # Listed bottom to top: the protocol must not depend on the order the truth is stored in.
    return {"image": "phototest.png", "width": 640, "height": 480, "lines": lines[::-1]}


@pytest.mark.model
def test_it_measures_default_and_both_baselines(tmp_path: Path) -> None:
    with_lines = write_set(tmp_path / "lines", [lines_row()])
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "ocr.bench", str(with_lines), "--limit", "1", "--no-warmup"]
        + ["--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "| legible/default |" in done.stdout and "| tesseract |" in done.stdout
    assert (out / "results.md").read_text().startswith("# OCR benchmark")
    data = json.loads((out / "results.json").read_text())
    assert data["runs"] == 1 and data["cores"] >= 1 and data["threads"] >= 1
    [dataset] = data["datasets"]
    assert (dataset["name"], dataset["detection_truth"]) == ("lines", "lines")
    systems = {system["id"]: system for system in dataset["systems"]}
    assert list(systems) == ["legible/default", "rapidocr", "tesseract"]
    for system in systems.values():
        summary = system["summary"]
        assert system["error"] is None
        assert summary["cer"] < 0.05, (system["id"], summary)
        assert summary["det_f1"] > 0.8, (system["id"], summary)
        assert summary["pages_per_second"] > 0 and summary["peak_mib"] > 50
        assert [page["name"] for page in system["pages"]] == ["phototest.png"]


@pytest.mark.model
def test_it_scores_a_set_with_page_text_only(tmp_path: Path) -> None:
    text_only = write_set(tmp_path / "text", [{"image": "phototest.png", "text": PHOTOTEST_TEXT}])
    run = run_system("tesseract", load_dataset(text_only), warmup=False)
    assert run.error is None and run.peak_mib is not None
    summary = summarise(run.scores, run.peak_mib)
    assert summary.cer < 0.05 and summary.bow_f1 > 0.9
    assert summary.det_f1 is None  # no polygons to compare with


def test_it_survives_a_system_that_cannot_start(tmp_path: Path) -> None:
    dataset = load_dataset(write_set(tmp_path / "set", [lines_row()]))
    run = run_system("no-such-system", dataset, warmup=False)
    assert run.error is not None and "unknown system" in run.error
    assert [score.error for score in run.scores] == [run.error]
    assert run.scores[0].cer == 1.0  # nothing read


def test_it_scores_identical_text_as_no_error() -> None:
    truth = parse_page(lines_row(), Path("."), "test")
    regions = [
        region(box(36, 90 + 34 * i, right, 122 + 34 * i), text)
        for i, (right, text) in enumerate(PHOTOTEST_LINES)
    ]
    score = score_page(truth, regions, 0.5)
    assert (score.char_errors, score.word_errors) == (0, 0)
    assert score.bow_found == score.bow_read == score.bow_reference == 60
    assert score.boxes_matched == score.boxes_truth == score.boxes_predicted == 8


def test_it_reads_both_sides_in_the_same_geometric_order() -> None:
    # Two columns; the truth lists them row by row, the system column by column, upper case.
    truth = parse_page(
        {
            "image": "x.png",
            "lines": [
                {"text": "left one", "polygon": box(0, 0, 100, 20)},
                {"text": "right one", "polygon": box(300, 0, 400, 20)},
                {"text": "left two", "polygon": box(0, 30, 100, 50)},
                {"text": "right two", "polygon": box(300, 30, 400, 50)},
            ],
        },
        Path("."),
        "test",
    )
    # Rows top to bottom, each left to right: naive on purpose, the same for both sides.
    assert truth.text == "left one right one\nleft two right two"
    regions = [
        region(box(300, 30, 400, 50), "RIGHT TWO"),
        region(box(0, 0, 100, 20), "Left One"),
        region(box(300, 0, 400, 20), "Right One"),
        region(box(0, 30, 100, 50), "left two"),
    ]
    assert score_page(truth, regions, None).char_errors == 0
    # A genuine misreading still counts.
    regions[0] = region(box(300, 30, 400, 50), "right twa")
    assert score_page(truth, regions, None).char_errors == 1


def test_it_reads_in_the_truths_zone_order_when_it_gives_zones() -> None:
    # UNLV pages: the text is zone after zone, the right column's zone listed first.
    truth = parse_page(
        {
            "image": "x.png",
            "text": "right one right two left one",
            "zones": [
                {"type": "Text", "polygon": box(290, 0, 410, 60)},
                {"type": "Text", "polygon": box(0, 0, 110, 60)},
            ],
        },
        Path("."),
        "test",
    )
    regions = [
        region(box(0, 0, 100, 20), "left one"),
        region(box(300, 30, 400, 50), "right two"),
        region(box(300, 0, 400, 20), "right one"),
        region(box(500, 500, 600, 520), "page 93"),  # in no zone: its text is not in the truth
    ]
    assert score_page(truth, regions, None).char_errors == 0


def test_it_brings_our_coordinates_to_the_truth_image_size() -> None:
    truth = parse_page(
        {
            "image": "x.png",
            "width": 200,
            "height": 100,
            "words": [{"text": "word", "polygon": box(20, 20, 80, 40)}],
        },
        Path("."),
        "test",
    )
    ours = [region(box(10, 10, 40, 20), "word")]  # read on a copy at half the size
    assert score_page(truth, ours, 0.1, image_size=(100, 50)).boxes_matched == 1
    assert score_page(truth, ours, 0.1, image_size=(200, 100)).boxes_matched == 0


def test_it_matches_boxes_one_to_one_at_iou_half() -> None:
    assert polygon_iou(box(0, 0, 10, 10), box(0, 0, 10, 10)) == pytest.approx(1.0)
    assert polygon_iou(box(0, 0, 10, 10), box(5, 5, 15, 15)) == pytest.approx(25 / 175)
    assert polygon_iou(box(0, 0, 10, 10), box(20, 0, 30, 10)) == 0.0
    truth = [box(0, 0, 100, 10)]
    # IoU 0.6 matches, 0.4 does not, and two predictions over one truth line match once.
    assert match_boxes([box(0, 0, 60, 10)], truth) == 1
    assert match_boxes([box(0, 0, 40, 10)], truth) == 0
    assert match_boxes([box(0, 0, 100, 10), box(0, 0, 90, 10)], truth) == 1
    assert match_boxes([], truth) == match_boxes(truth, []) == 0


def test_it_counts_a_self_crossing_outline_once() -> None:
    square = box(0, 0, 10, 10)
    assert polygon_area(square) == pytest.approx(100)
    # A hand-drawn outline that runs back over itself still covers the same square.
    assert polygon_area((*square, (0, 0), (10, 0), (10, 10), (0, 10))) == pytest.approx(100)
    assert polygon_area(((0, 0), (5, 5), (10, 10))) == 0.0


def test_it_reads_our_regions_in_the_truths_order_not_our_own() -> None:
    # Two columns whose lines do not line up: the truth's right line sits 4 px below its left
    # one (one row). Ours are boxed tighter and the right one 6 px above the left: two rows,
    # the right one first, so in each side's own row order the lines swap places.
    lines = [
        {"text": "left one", "polygon": box(0, 0, 90, 20)},
        {"text": "right one", "polygon": box(110, 4, 200, 24)},
        {"text": "left two", "polygon": box(0, 30, 90, 50)},
    ]
    truth = parse_page({"image": "a.png", "lines": lines}, Path("."), "test")
    assert truth.text == "left one right one\nleft two"
    ours = [
        region(box(0, 8, 90, 18), "left one"),
        region(box(110, 2, 200, 12), "right one"),
        region(box(0, 35, 90, 45), "left two"),
    ]
    score = score_page(truth, ours, 0.1)
    assert score.row_char_errors > 0  # the literal protocol: each side in its own row order
    assert score.char_errors == 0
    stain = region(box(100, 300, 120, 310), "stain")  # overlaps nothing: nearest line's place
    assert anchored_text([stain, *ours], truth.boxes) == "left one right one left two stain"
    # A line read across both columns goes where most of it lies; nothing is dropped.
    across = [region(box(0, 0, 200, 20), "left one right one"), ours[2]]
    assert anchored_text(across, truth.boxes) == "left one right one left two"


def test_it_computes_bag_of_words_as_multisets() -> None:
    assert bag_of_words("a b b c", "B b d") == (2, 3, 4)
    assert bag_of_words("same words", "words SAME") == (2, 2, 2)


def test_it_pools_rates_over_pages_and_counts_failures_as_empty() -> None:
    long = parse_page({"image": "a.png", "text": "x" * 100}, Path("."), "test")
    short = parse_page({"image": "b.png", "text": "y" * 10}, Path("."), "test")
    scores = [
        score_page(long, [region(box(0, 0, 9, 9), "x" * 90)], 1.0),
        score_page(short, [], None, error="RuntimeError: boom"),
    ]
    summary = summarise(scores, peak_mib=123.0)
    assert summary.cer == pytest.approx(20 / 110)
    assert (summary.pages, summary.failed) == (2, 1)
    assert summary.pages_per_second == pytest.approx(1.0)
    assert summary.det_f1 is None


def test_it_prefers_lines_to_words_to_page_text(tmp_path: Path) -> None:
    word = {"text": "Hello", "polygon": box(0, 0, 50, 10)}
    line = {"text": "Hello world", "polygon": box(0, 0, 100, 10)}
    both = parse_page({"image": "a", "words": [word], "lines": [line], "text": "x"}, tmp_path, "")
    assert (both.granularity, both.text) == ("lines", "Hello world")
    words = parse_page({"image": "a", "words": [word, {**word, "text": ""}]}, tmp_path, "")
    assert (words.granularity, len(words.boxes)) == ("words", 1)  # empty FUNSD words dropped
    page = parse_page({"image": "a", "text": "f\ufffdx"}, tmp_path, "")
    assert (page.granularity, page.text) == ("page", "fx")  # unmapped PDF glyphs masked


def test_it_rejects_a_set_it_cannot_read(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "set", [{"image": "missing.png", "text": "x"}])
    with pytest.raises(DatasetError, match="not found"):
        load_dataset(folder)
    (folder / "gt.jsonl").write_text('{"image": "phototest.png", "text": "a"}\n' * 3)
    assert len(load_dataset(folder, limit=2).pages) == 2


def test_it_gives_each_model_the_figures_of_the_first_workflow_using_it() -> None:
    from ocr.bench.figures import gallery_figures

    def system(workflow: str, cer: float) -> dict:
        summary = {"cer": cer, "pages_per_second": 1.0}
        return {"id": f"legible/{workflow}", "error": None, "summary": summary}

    results = {
        "cpu": "AMD EPYC",
        "cores": 2,
        "gpu": "none seen by torch",
        "datasets": [
            {
                "name": "books",
                "systems": [
                    system("default", 0.01),
                    system("mixed", 0.02),
                    system("cascade", 0.03),
                    {"id": "rapidocr", "error": None, "summary": {"cer": 0.5}},
                ],
            }
        ],
    }
    figures = gallery_figures(results)
    assert figures["ppocrv6-small-det"]["books"]["cer"] == 0.01  # default's, not mixed's
    assert figures["tesseract-line"]["books"]["cer"] == 0.02  # only mixed uses it here
    assert "crop-1.0" not in figures and "rapidocr" not in figures
    assert figures["ppocrv6-small-rec"]["books"]["machine"] == "AMD EPYC, 2 cores"
    # A benchmark variant shows figures only for the model no ready workflow runs.
    assert figures["ppocrv6-cascade-rec"]["books"]["cer"] == 0.03
    assert figures["ppocrv6-small-det"]["books"]["workflow"] == "default"  # not cascade's


def test_new_figures_are_merged_into_the_gallery_file(tmp_path: Path) -> None:
    import json

    from ocr.bench.figures import main

    out = tmp_path / "figures.json"
    old = {"machine": "AMD EPYC, 2 cores", "cer": 0.2, "pages_per_s": 1.0, "workflow": "fast"}
    out.write_text(json.dumps({"ppocrv6-tiny-rec": {"books": old}}))
    summary = {"cer": 0.01, "pages_per_second": 2.0}
    results = {
        "cpu": "Intel Xeon",
        "cores": 2,
        "datasets": [{"name": "books", "systems": [{"id": "legible/default", "summary": summary}]}],
    }
    (tmp_path / "results.json").write_text(json.dumps(results))
    assert main([str(tmp_path / "results.json"), "--out", str(out)]) == 0
    merged = json.loads(out.read_text())
    assert merged["ppocrv6-tiny-rec"]["books"] == old  # fast was not in this run: kept
    assert merged["ppocrv6-small-rec"]["books"]["machine"] == "Intel Xeon, 2 cores"


def test_it_leaves_out_pages_without_a_transcription(tmp_path: Path) -> None:
    from ocr.bench.datasets import load_dataset

    (tmp_path / "a.png").write_bytes(b"")
    (tmp_path / "b.png").write_bytes(b"")
    rows = [
        {"image": "a.png", "lines": [{"text": "hello", "polygon": box(0, 0, 10, 10)}]},
        {"image": "b.png", "lines": [], "text": ""},
    ]
    (tmp_path / "gt.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    dataset = load_dataset(tmp_path)
    assert [p.name for p in dataset.pages] == ["a.png"]
    assert dataset.untranscribed == 1
