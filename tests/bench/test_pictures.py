"""`python -m ocr.bench.pictures`: what the picture rule leaves out, against the truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocr.bench.datasets import TruthBox, TruthPage
from ocr.bench.pictures import Line, SetCount, main, on_truth, replay, report, save

from .test_bench import box, lines_row, write_set

SNAKE = Line("set", "p1.png", "2", 0.50, 242, 258, 30, ())  # a picture, on no truth
ZERO = Line("set", "p2.png", "0", 0.57, 13, 18, 21, ("0",))  # a real digit: kept
LOST = Line("set", "p3.png", "IN", 0.40, 80, 10, 20, ("IN",))  # real text the rule would take


def test_it_counts_what_the_rule_leaves_out_and_the_true_lines_lost() -> None:
    text = report(SetCount("set", 3, 40, True), [SNAKE, ZERO, LOST])
    assert "lines read 40, left out by the rule 2, of them on truth with text" in text
    assert "(true lines lost) 1" in text
    assert "| p1.png | '2' | 0.50 | 242 x 258 | 30 | none |" in text
    assert "| p3.png | 'IN' | 0.40 | 80 x 10 | 20 | 'IN' |" in text
    assert "p2.png" not in text


def test_it_finds_the_truth_a_line_lies_on() -> None:
    page = TruthPage(
        name="p.png",
        image=Path("p.png"),
        width=100,
        height=100,
        boxes=(TruthBox(box(0, 0, 50, 10), "left"), TruthBox(box(60, 0, 100, 10), "right")),
        granularity="lines",
        text="left right",
    )
    assert on_truth(box(40, 0, 62, 10), page) == ("left",)  # 10 of 22 px on it, 2 on right
    assert on_truth(box(0, 50, 10, 60), page) == ()


def test_it_replays_saved_lines_as_they_were(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl"
    save(path, SetCount("set", 3, 40, True), [SNAKE, LOST])
    save(path, SetCount("other", 1, 5, False), [])
    assert list(replay(path)) == [
        (SetCount("set", 3, 40, True), [SNAKE, LOST]),
        (SetCount("other", 1, 5, False), []),
    ]


@pytest.mark.model
def test_it_reads_a_set_with_the_rule_off_and_saves_its_short_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_set(tmp_path / "lines", [lines_row()])
    saved = tmp_path / "lines.jsonl"
    assert main([str(folder), "--save", str(saved)]) == 0
    out = capsys.readouterr().out
    assert "lines read 8, left out by the rule 0" in out  # phototest: eight lines, no picture
    rows = [json.loads(line) for line in saved.read_text().splitlines()]
    assert rows == [{"set": {"dataset": "lines", "pages": 1, "lines": 8, "boxes": True}}]
    assert main(["--replay", str(saved)]) == 0
    assert "lines read 8, left out by the rule 0" in capsys.readouterr().out
