# One entry point for set-up and the main jobs. Everything runs inside ./.venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
PYTEST_ARGS ?=
MODEL  ?= runs/quickstart/model

.PHONY: install test quickstart demo benchmark clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch is installed first and pinned: an unpinned torch would pull the CUDA build.
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install -q -c constraints.txt torch==2.13.0
	$(PIP) install -q -c constraints.txt -e ".[all]"
	touch $@

install: $(VENV)/.installed

test: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

quickstart: install
	HF_HUB_OFFLINE=1 PATH="$(abspath $(BIN)):$$PATH" bash scripts/quickstart.sh

demo: install
	HF_HUB_OFFLINE=1 $(BIN)/avesformer demo --model $(MODEL)

benchmark: install
	$(BIN)/avesformer benchmark --output docs/benchmarks.md

clean:
	rm -rf $(VENV) runs .pytest_cache
