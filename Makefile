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
# Models train one thread each (their weights do not depend on this), JOBS at once.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
MODELS := build/models/$(PROFILE).stamp

.PHONY: book notebooks models test rehearse bench env clean student

## book: execute every notebook under $(PROFILE) with papermill, then build _build/html
book: $(BOOK_OUT)/_build/.built-$(PROFILE)

## env: the virtual environment, from requirements.txt
env: $(VENV)/.installed
$(VENV)/.installed: requirements.txt lib/pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	$(PY) -m pip install --disable-pip-version-check -q --no-deps -e lib
	@touch $@

## models: train (or load from the cache) every model of $(PROFILE), JOBS processes at once
models: $(MODELS)
$(MODELS): notebooks/profiles/$(PROFILE).yml $(LIB) | $(VENV)/.installed
	$(PY) -m unitroles.train --profile notebooks/profiles/$(PROFILE).yml --jobs $(JOBS)
	@mkdir -p $(@D) && touch $@

## notebooks: execute the notebooks (only those whose source, profile or lib changed)
notebooks: $(NOTEBOOKS:%=$(EXEC)/%.ipynb)

$(EXEC)/%.ipynb: notebooks/%.py notebooks/profiles/$(PROFILE).yml $(LIB) | $(VENV)/.installed $(MODELS)
	$(PY) -m unitroles.execute $< --profile notebooks/profiles/$(PROFILE).yml --out $(EXEC) $(READS)

# The paper profile reads checkpoints and datasets outside the repository. Each one's path and the
# size and modification time of every file under it are stamped in build/inputs/paper/<input>.json
# (rewritten only when they change), and deps.mk makes each page depend on the stamps of the inputs
# its parameters cell declares: a changed UNITROLES_CHECKPOINT or val_root re-runs those pages.
ifeq ($(PROFILE),paper)
INPUTS := build/inputs/paper
-include $(INPUTS)/deps.mk
$(INPUTS)/deps.mk: FORCE | $(VENV)/.installed
	@$(PY) -m unitroles.paper --stamp-inputs $(INPUTS) --profile notebooks/profiles/paper.yml \
		--executed $(EXEC) $(wildcard notebooks/*.py)
endif
.PHONY: FORCE
FORCE:

# The scorecard reads the verdicts of every page, the status page every run record: both run last.
# The Zhao closing page reads the verdicts and numbers of the Zhao pages: it runs after them.
PAGES := $(filter-out scorecard status,$(NOTEBOOKS))
ZHAO_PAGES := $(filter-out zhao2023_conclusions,$(filter zhao2023_%,$(NOTEBOOKS)))
$(EXEC)/zhao2023_conclusions.ipynb: $(ZHAO_PAGES:%=$(EXEC)/%.ipynb)
$(EXEC)/zhao2023_conclusions.ipynb: private READS = -p executed $(abspath $(EXEC))
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

## rehearse: the paper path end to end on the synthetic world exported as ImageFolder and Broden at
## 224 px: train the full-size models with `python -m unitroles.train --paper` (torchrun, gloo),
## kill and resume a run, execute every paper-profile page on a smoke-sized sample (minutes)
rehearse: $(VENV)/.installed
	UNITROLES_REHEARSE=1 $(PY) -m pytest tests -q -m rehearse

## student: the student edition of the notebooks (each exercise's solution replaced by a stub that
## raises NotImplementedError, Solution boxes removed) in build/student/, and the instructor edition
## (the notebooks as the book runs them) in build/instructor/; unexecuted, to hand out.
STUDENT ?= build/student
INSTRUCTOR ?= build/instructor
student: $(VENV)/.installed
	$(PY) tests/scripts/student_edition.py notebooks $(STUDENT) $(INSTRUCTOR)

## bench: benchmarks (not tests); prints ratios measured side by side
bench: $(VENV)/.installed
	$(PY) -m unitroles.bench

clean:
	rm -rf build _build
