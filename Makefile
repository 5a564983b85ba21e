# The two commands of the README: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test lint venv clean

venv: $(INSTALLED)

# Re-install when the dependencies change. torch goes first with its exact pin, so that no
# later requirement can pull a CUDA build of it.
# pip is quiet, so each step says what it does: the first install takes minutes.
$(INSTALLED): pyproject.toml
	@echo "== Installing Legible into $(VENV) (the first time takes a few minutes)"
	@echo "== 1/4 creating the virtual environment $(VENV)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "== 2/4 upgrading pip"
	$(BIN)/pip install --quiet --upgrade pip
	@echo "== 3/4 installing PyTorch 2.13.0, CPU build (a large download)"
	$(BIN)/pip install --quiet torch==2.13.0
	@echo "== 4/4 installing Legible and its dependencies (Django, Celery, onnxruntime, OpenCV...)"
	$(BIN)/pip install --quiet -e ".[dev,craft]"
	touch $@
	@echo "== Installed."

run: $(INSTALLED)
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/run

test: $(INSTALLED)
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/test

lint: $(INSTALLED)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy ocr/engine ocr/bench ocr/training

clean:
	rm -rf $(VENV) var
