"""Shared fixtures for engine tests: fixture images, ground truth and one loaded pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocr.engine.pipeline import Pipeline, get_pipeline
from ocr.engine.workflow import resolve_workflow
from tests.conftest import PHOTOTEST_TEXT  # noqa: F401  (one ground truth for all tests)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
PHOTOTEST = FIXTURES / "phototest.png"
EUROTEXT = FIXTURES / "eurotext.png"

# Transcribed from the image (Tesseract's classic multilingual test page).
EUROTEXT_TEXT = (
    "The (quick) [brown] {fox} jumps!\nOver the $43,456.78 <lazy> #90 dog\n"
    "& duck/goose, as 12.5% of E-mail\nfrom aspammer@website.com is spam.\n"
    "Der \u201eschnelle\u201d braune Fuchs springt\nüber den faulen Hund. Le renard brun\n"
    "«rapide» saute par-dessus le chien\nparesseux. La volpe marrone rapida\n"
    "salta sopra il cane pigro. El zorro\nmarrón rápido salta sobre el perro\n"
    "perezoso. A raposa marrom rápida\nsalta sobre o cão preguiçoso.\n"
)


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    return get_pipeline(resolve_workflow("default"))
