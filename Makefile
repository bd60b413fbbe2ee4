# unitroles — the two commands are `make book` and `make test` (see README.md).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PROFILE ?= book
BOOK_OUT ?= .
export UNITROLES_CACHE ?= $(CURDIR)/.cache/unitroles
export PYTHONUNBUFFERED := 1

NOTEBOOKS := $(sort $(basename $(notdir $(wildcard notebooks/*.py))))
EXEC := build/executed/$(PROFILE)
STAGE := build/stage/$(PROFILE)
LIB := $(wildcard lib/unitroles/*.py) lib/pyproject.toml
BOOK_SOURCES := _config.yml _toc.yml $(shell find book -type f 2>/dev/null)

.PHONY: book notebooks test bench env clean

## book: execute every notebook under $(PROFILE) with papermill, then build _build/html
book: $(BOOK_OUT)/_build/.built-$(PROFILE)

## env: the virtual environment, from requirements.txt
env: $(VENV)/.installed
$(VENV)/.installed: requirements.txt lib/pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	$(PY) -m pip install --disable-pip-version-check -q --no-deps -e lib
	@touch $@

## notebooks: execute the notebooks (only those whose source, profile or lib changed)
notebooks: $(NOTEBOOKS:%=$(EXEC)/%.ipynb)

$(EXEC)/%.ipynb: notebooks/%.py notebooks/profiles/$(PROFILE).yml $(LIB) | $(VENV)/.installed
	$(PY) -m unitroles.execute $< --profile notebooks/profiles/$(PROFILE).yml --out $(EXEC) $(READS)

# The scorecard reads the verdicts of every page, the status page every run record: both run last.
PAGES := $(filter-out scorecard status,$(NOTEBOOKS))
$(EXEC)/scorecard.ipynb: $(PAGES:%=$(EXEC)/%.ipynb)
$(EXEC)/status.ipynb: $(PAGES:%=$(EXEC)/%.ipynb) $(EXEC)/scorecard.ipynb
$(EXEC)/scorecard.ipynb $(EXEC)/status.ipynb: private READS = -p executed $(abspath $(EXEC))

$(BOOK_OUT)/_build/.built-$(PROFILE): $(NOTEBOOKS:%=$(EXEC)/%.ipynb) $(BOOK_SOURCES)
	rm -rf $(STAGE) && mkdir -p $(STAGE)/book/notebooks
	cp -p _config.yml _toc.yml $(STAGE)/ && cp -rp book/. $(STAGE)/book/
	cp -p $(EXEC)/*.ipynb $(STAGE)/book/notebooks/
	$(VENV)/bin/jupyter-book build $(STAGE) --path-output $(BOOK_OUT) --warningiserror --keep-going
	@touch $@
	@echo "book: $(BOOK_OUT)/_build/html/index.html ($(PROFILE) profile)"

## test: the test suite (lib tests, notebook smoke runs, book build)
test: $(VENV)/.installed
	$(PY) -m pytest tests -q

## bench: benchmarks (not tests); prints ratios measured side by side
bench: $(VENV)/.installed
	$(PY) -m unitroles.bench

clean:
	rm -rf build _build
