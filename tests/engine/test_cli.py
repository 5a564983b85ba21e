"""`python -m ocr.engine` as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ocr.engine.metrics import cer

from .conftest import PHOTOTEST, PHOTOTEST_TEXT, ROOT


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ocr.engine", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.model
def test_cli_text_and_json(tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"nope")
    done = run_cli(str(PHOTOTEST), "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["width"], data["height"], data["index"]) == (640, 480, 0)
    text = "\n".join(region["text"] for region in data["regions"])
    assert cer(PHOTOTEST_TEXT, text) < 0.02

    done = run_cli(str(PHOTOTEST), "--workflow", "default")
    assert done.returncode == 0, done.stderr
    assert cer(PHOTOTEST_TEXT, done.stdout) < 0.02


@pytest.mark.model
def test_cli_unreadable_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"nope")
    done = run_cli(str(broken))
    assert done.returncode == 2
    assert "broken.png" in done.stderr and "cannot read image" in done.stderr


def test_cli_bad_arguments() -> None:
    assert run_cli().returncode == 2
    done = run_cli(str(PHOTOTEST), "--workflow", "nope")
    assert done.returncode == 2
    assert "unknown workflow 'nope'" in done.stderr
