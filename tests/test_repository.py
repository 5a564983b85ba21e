"""What a fresh clone shows a new user before the app runs: the Makefile, the README's links,
and no stray files committed or written at the repository root."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tracked() -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def test_it_says_what_make_is_installing() -> None:
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("$(INSTALLED): pyproject.toml", 1)[1].split("\n\n", 1)[0]
    steps = [line for line in recipe.splitlines() if "pip install" in line]
    echoes = [line for line in recipe.splitlines() if line.strip().startswith("@echo")]
    assert steps and len(echoes) >= len(steps)  # a line before every quiet pip step


def test_it_links_only_files_inside_the_repository() -> None:
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)#\s]+)", readme)
    local = [t for t in targets if "://" not in t and not t.startswith("mailto:")]
    assert "docs/API.md" in local
    for target in local:
        path = (ROOT / target).resolve()
        assert path.is_relative_to(ROOT), f"{target} is outside the repository"
        assert path.exists(), f"{target} does not exist"


def test_it_reads_the_admin_password_from_the_environment_first() -> None:
    readme = (ROOT / "README.md").read_text()
    for line in readme.splitlines():
        if "auth/token/" in line and "admin-password.txt" in line:
            assert "${LEGIBLE_ADMIN_PASSWORD:-$(cat var/admin-password.txt)}" in line


def test_it_keeps_onnxruntime_profiles_out_of_git() -> None:
    assert not [name for name in _tracked() if name.startswith("onnxruntime_profile_")]
    check = subprocess.run(
        ["git", "check-ignore", "-q", "onnxruntime_profile__2026-11-22_05-38-38_198.json"], cwd=ROOT
    )
    assert check.returncode == 0


def test_it_never_turns_onnxruntime_profiling_on() -> None:
    sources = [p for p in (ROOT / "ocr").rglob("*.py")] + [p for p in (ROOT / "scripts").rglob("*")]
    for path in sources:
        if path.is_file():
            text = path.read_text(errors="ignore")
            assert "enable_profiling = True" not in text, path
    assert "enable_profiling = False" in (ROOT / "ocr/engine/runtime.py").read_text()
