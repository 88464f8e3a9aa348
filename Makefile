# One entry point for set-up and the main jobs. Everything runs inside ./.venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
PYTEST_ARGS ?=
MODEL  ?= runs/quickstart/model
# Where pip finds torch; empty: pip's own indexes. https://download.pytorch.org/whl/cpu gives the CPU build
# (PyPI's Linux wheels are the CUDA build); https://download.pytorch.org/whl/cuXYZ a given CUDA version.
TORCH_INDEX ?=

.PHONY: install test browser quickstart demo benchmark clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch is installed first and pinned (constraints.txt), from TORCH_INDEX when set.
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install -q -c constraints.txt torch==2.13.0 $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(PIP) install -q -c constraints.txt -e ".[all]"
	touch $@

install: $(VENV)/.installed

# chromium first: without it (and not root) this stops at once, before the minutes of `install`.
browser:
	@bash scripts/ensure_chromium.sh

test: browser install
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

quickstart: install
	HF_HUB_OFFLINE=1 PATH="$(abspath $(BIN)):$$PATH" bash scripts/quickstart.sh

demo: install
	HF_HUB_OFFLINE=1 $(BIN)/avesformer demo --model $(MODEL)

benchmark: install
	$(BIN)/avesformer benchmark --output docs/benchmarks.md

clean:
	rm -rf $(VENV) runs .pytest_cache
