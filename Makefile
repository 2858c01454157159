PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test lint demo bench score clean

$(STAMP): pyproject.toml setup.py
	@command -v $(PY) >/dev/null 2>&1 || { echo "need $(PY) on PATH (or run: make PY=python3 ...)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dask]'
	touch $(STAMP)

SYSDEPS := $(VENV)/.sysdeps

$(SYSDEPS): scripts/system-deps.sh | $(STAMP)
	bash scripts/system-deps.sh
	touch $(SYSDEPS)

test: $(STAMP) $(SYSDEPS)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

demo: $(STAMP)
	$(BIN)/xxgk demo

bench: $(STAMP)
	$(BIN)/python benchmarks/parse_text.py

score: $(STAMP)
	$(BIN)/python ../shared/tools/score.py ../shared/corpus

clean:
	rm -rf $(VENV) build *.egg-info
