"""The training benchmarks' command line, on a set made of the fixtures (never ../shared)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ocr.training import bench

from .conftest import FIXTURES, POILUS

pytestmark = pytest.mark.model


@pytest.fixture
def dev_set(tmp_path: Path) -> Path:
    """Two pages in the gt.jsonl format of the development sets, one per split."""
    root = tmp_path / "poilus"
    root.mkdir()
    shutil.copy(POILUS, root / "page.jpg")
    lines = json.loads((FIXTURES / "poilus-lines.json").read_text(encoding="utf-8"))["lines"]
    rows = [
        {"image": "page.jpg", "split": "train", "lines": lines[:3]},
        {"image": "page.jpg", "split": "test", "lines": lines[3:]},
    ]
    (root / "gt.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return root


def test_it_reports_base_and_trained_recognizer_figures(
    dev_set: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = bench.main(
        [
            "recognizer",
            "--variant=tiny",
            f"--train={dev_set}:train",
            f"--test={dev_set}:test",
            f"--print-check={dev_set}:train",
            "--printed=4",
            "--steps=2",
            "--batch-size=2",
            "--threads=1",
            "--no-page-cer",
            f"--out={tmp_path / 'out'}",
        ]
    )
    assert code == 0
    report = json.loads((tmp_path / "out" / "recognizer.json").read_text(encoding="utf-8"))
    assert report == json.loads(capsys.readouterr().out)
    assert report["train_lines"] == 3 and report["replay_lines"] == 4
    test = report["sets"]["poilus:test"]
    assert test["lines"] == 1 and test["trained_line_cer"] >= 0 and test["base_line_cer"] > 0
    assert "poilus:train" in report["sets"]
    assert report["train_cpu_seconds"] > 0 and report["machine"]["cores"]


def test_it_keeps_the_base_figures_between_runs_and_scores_a_saved_model(
    dev_set: Path, tmp_path: Path
) -> None:
    cache, saved = tmp_path / "base.json", tmp_path / "saved.onnx"
    common = [
        "recognizer",
        "--variant=tiny",
        f"--test={dev_set}:test",
        "--threads=1",
        f"--base-cache={cache}",
    ]
    assert bench.main([*common, "--base-only", f"--out={tmp_path / 'base'}"]) == 0
    first = json.loads((tmp_path / "base" / "recognizer.json").read_text(encoding="utf-8"))
    entry = first["sets"]["poilus:test"]
    assert "trained_line_cer" not in entry and entry["base_page_cer"] > 0
    (kept,) = json.loads(cache.read_text(encoding="utf-8")).values()
    assert kept["line_cer"] == entry["base_line_cer"] and kept["regions"][0]
    # A figure only the cache holds shows that the next run reads it rather than the base.
    cache.write_text(json.dumps({k: {**v, "line_cer": 0.987} for k, v in [*_items(cache)]}))

    train = [f"--train={dev_set}:train", "--steps=1", "--batch-size=2", f"--save={saved}"]
    assert bench.main([*common, *train, f"--out={tmp_path / 'run'}"]) == 0
    run = json.loads((tmp_path / "run" / "recognizer.json").read_text(encoding="utf-8"))
    entry = run["sets"]["poilus:test"]
    assert entry["base_line_cer"] == 0.987 and entry["base_from_cache"]
    assert entry["base_page_cer"] == first["sets"]["poilus:test"]["base_page_cer"]
    assert saved.is_file()

    # Merged all the way back to the base, the saved model reads as the base does.
    merged = [f"--evaluate={saved}", "--merge=0", "--no-page-cer", f"--out={tmp_path / 'm'}"]
    assert bench.main([*common[:-1], *merged]) == 0
    back = json.loads((tmp_path / "m" / "recognizer.json").read_text(encoding="utf-8"))
    entry = back["sets"]["poilus:test"]
    assert back["merge"] == 0 and entry["trained_line_cer"] == entry["base_line_cer"]


def _items(path: Path) -> list[tuple[str, dict[str, object]]]:
    return list(json.loads(path.read_text(encoding="utf-8")).items())


def test_it_reports_base_and_trained_detector_figures(dev_set: Path, tmp_path: Path) -> None:
    code = bench.main(
        [
            "detector",
            str(dev_set),
            "--variant=tiny",
            "--train=1",
            "--test=1",
            "--steps=1",
            "--batch-size=1",
            "--crop=128",
            "--threads=1",
            f"--out={tmp_path}",
        ]
    )
    assert code == 0
    report = json.loads((tmp_path / "detector.json").read_text(encoding="utf-8"))
    assert report["truth"] == "lines" and report["test_pages"] == ["page.jpg"]
    assert set(report["base"]) >= {"precision", "recall", "hmean"}
    assert 0 <= report["trained"]["hmean"] <= 1


def test_it_refuses_a_folder_without_ground_truth(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        bench.main(["detector", str(tmp_path)])
