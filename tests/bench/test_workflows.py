"""The workflows `python -m ocr.bench` can name: the ready ones and its own variants."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocr.bench.datasets import load_dataset
from ocr.bench.runner import run_system
from ocr.bench.scoring import summarise
from ocr.bench.systems import describe
from ocr.bench.workflows import bench_workflow, known_workflows
from ocr.engine.errors import WorkflowError
from ocr.engine.workflow import resolve_workflow

from .test_bench import lines_row, write_set


def test_it_runs_default_with_craft_in_place_of_its_detector() -> None:
    craft, default = bench_workflow("craft"), resolve_workflow("default")
    assert craft[0]["model"] == "craft-mlt-25k"
    assert craft[0]["params"]["page_orientation"] is True  # CRAFT's own defaults
    assert craft[1:] == default[1:]  # the same cropper and recognizer, alphabet and all
    assert "craft-mlt-25k" in describe("legible/craft")


def test_it_runs_default_with_the_cascade_in_place_of_its_recognizer() -> None:
    cascade, default = bench_workflow("cascade"), resolve_workflow("default")
    assert cascade[:2] == default[:2]  # the same detector and cropper
    assert cascade[2]["model"] == "ppocrv6-cascade-rec"
    assert cascade[2]["params"]["alphabet"] == "latin"
    assert cascade[2]["params"]["drop_pictures"] is True
    assert cascade[2]["params"]["confidence"] == 0.9
    assert "ppocrv6-cascade-rec" in describe("legible/cascade")


def test_it_names_ready_workflows_as_the_engine_does() -> None:
    assert bench_workflow("fast") == resolve_workflow("fast")
    assert {"default", "fast", "craft", "cascade"} <= set(known_workflows())


def test_it_rejects_an_unknown_workflow_naming_the_known_ones() -> None:
    with pytest.raises(WorkflowError, match="craft"):
        bench_workflow("crafty")


@pytest.mark.model
def test_it_reads_a_page_with_the_published_craft_weights(tmp_path: Path) -> None:
    """The craft extra's real checkpoint finds phototest's words and the recognizer reads them."""
    dataset = load_dataset(write_set(tmp_path / "lines", [lines_row()]))
    run = run_system("legible/craft", dataset, warmup=False)
    assert run.error is None, run.error
    assert summarise(run.scores, run.peak_mib).cer < 0.05
