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
# Where the models come from: `published` (models/, digest-checked; nothing trains for the book
# profile) or `retrained` (trained on this machine into the cache: a replication, see `retrain`).
MODELS ?= published
export UNITROLES_MODELS := $(MODELS)

NOTEBOOKS := $(sort $(basename $(notdir $(wildcard notebooks/*.py))))
EXEC := build/executed/$(PROFILE)$(if $(filter retrained,$(MODELS)),-retrained)
STAGE := build/stage/$(PROFILE)
LIB := $(wildcard lib/unitroles/*.py) lib/pyproject.toml
BOOK_SOURCES := _config.yml _toc.yml $(shell find book -type f 2>/dev/null)
# Models train one thread each (their weights do not depend on this), JOBS at once.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# Pages executed at once by `make book`; with more than one, each page runs on one torch thread.
PAGE_JOBS ?= $(JOBS)
PAGE_THREADS := $(if $(filter 1,$(PAGE_JOBS)),,OMP_NUM_THREADS=1)
MODELS_STAMP ?= build/models/$(PROFILE)-$(MODELS).stamp
PUBLISHED := $(wildcard models/manifest.json)

.PHONY: book notebooks models test rehearse bench env clean student publish-models retrain

## book: execute every notebook under $(PROFILE) with papermill (PAGE_JOBS at once), then build
## _build/html. The book profile's models are the published ones (models/), checked, not trained.
book: | $(VENV)/.installed
	$(MAKE) -j$(PAGE_JOBS) notebooks
	$(MAKE) $(BOOK_OUT)/_build/.built-$(PROFILE)

## env: the virtual environment, from requirements.txt
env: $(VENV)/.installed
$(VENV)/.installed: requirements.txt lib/pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	$(PY) -m pip install --disable-pip-version-check -q --no-deps -e lib
	@touch $@

## models: load every model of $(PROFILE), checking each published file's digest; a model that
## is not published (smoke profile, MODELS=retrained) trains into the cache, JOBS processes at once
models: $(MODELS_STAMP)
$(MODELS_STAMP): notebooks/profiles/$(PROFILE).yml $(LIB) $(PUBLISHED) | $(VENV)/.installed
	$(PY) -m unitroles.train --profile notebooks/profiles/$(PROFILE).yml --jobs $(JOBS)
	@mkdir -p $(@D) && touch $@

## publish-models: train every model of the book profile afresh on this machine and rewrite
## models/ (safetensors files and manifest.json); commit the result. KEEP=1 keeps the published
## models that are still current (same recipe, world and training code) and trains only the rest
publish-models: | $(VENV)/.installed
	$(PY) -m unitroles.replication publish --profile notebooks/profiles/book.yml --jobs $(JOBS) \
		$(if $(KEEP),--keep)

## retrain: a replication. Train every model on this machine (into the cache), execute the pages
## on them and on the published models, and write a record of what differs to
## models/replications/ (shown on the book's Replication page)
## The retrained models and their results live in a cache of their own, so they are trained
## from scratch even where the main cache holds models that publish-models trained here.
RETRAIN_CACHE ?= $(CURDIR)/.cache/retrained
retrain: | $(VENV)/.installed
	$(MAKE) models MODELS=retrained UNITROLES_CACHE=$(RETRAIN_CACHE)
	$(MAKE) -j$(PAGE_JOBS) notebooks MODELS=published
	$(MAKE) -j$(PAGE_JOBS) notebooks MODELS=retrained UNITROLES_CACHE=$(RETRAIN_CACHE)
	UNITROLES_CACHE=$(RETRAIN_CACHE) $(PY) -m unitroles.replication record \
		--profile notebooks/profiles/book.yml \
		--published-exec build/executed/book --retrained-exec build/executed/book-retrained

## notebooks: execute the notebooks (only those whose source, profile or lib changed)
notebooks: $(NOTEBOOKS:%=$(EXEC)/%.ipynb)

$(EXEC)/%.ipynb: notebooks/%.py notebooks/profiles/$(PROFILE).yml $(LIB) $(PUBLISHED) | $(VENV)/.installed $(MODELS_STAMP)
	$(PAGE_THREADS) $(PY) -m unitroles.execute $< --profile notebooks/profiles/$(PROFILE).yml --out $(EXEC) $(READS)

# The paper profile reads checkpoints and datasets outside the repository. Each one's path and the
# size and modification time of every file under it are stamped in build/inputs/paper/<input>.json
# (rewritten only when they change), and deps.mk makes each page depend on the stamps of the inputs
# its parameters cell declares: a changed UNITROLES_CHECKPOINT or val_root re-runs those pages.
ifeq ($(PROFILE),paper)
INPUTS := build/inputs/paper
-include $(INPUTS)/deps.mk
$(INPUTS)/deps.mk: FORCE | $(VENV)/.installed
	@$(PY) -m unitroles.input_stamps --stamp-inputs $(INPUTS) --profile notebooks/profiles/paper.yml \
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
# The performance page times the engine: it runs when every other page is done, alone.
$(EXEC)/performance.ipynb: $(filter-out $(EXEC)/performance.ipynb,$(PAGES:%=$(EXEC)/%.ipynb))
$(EXEC)/performance.ipynb: private PAGE_THREADS =
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
