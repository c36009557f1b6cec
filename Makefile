# livingreview: the two commands an author needs are `make review` and `make test`.
# Every target installs the pinned environment into .venv first (once).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# The package lives in workflow/livingreview; run it with a fixed locale and time zone,
# and let Python cache its bytecode (PYTHONDONTWRITEBYTECODE empty), which keeps builds fast.
RUN    := env PYTHONPATH=workflow LC_ALL=C.UTF-8 LANG=C.UTF-8 TZ=UTC PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE= $(PY)

.PHONY: review test bench verify check-bib lock clean

# Options for the build, e.g. make review CONFIG="reference_style=vancouver"
CONFIG ?=

review: $(STAMP)  ## Build output/review.{md,html,pdf} from data/ and references.bib
	$(RUN) -m livingreview build $(if $(CONFIG),--config $(CONFIG))

test: $(STAMP)  ## Lint the code (ruff.toml), then run the test suite (unit and end-to-end)
	$(PY) -m ruff check --no-cache .
	$(RUN) -m pytest

bench: $(STAMP)  ## Time cold, no-op and one-finding rebuilds (medians)
	$(RUN) -m livingreview bench

verify: $(STAMP)  ## Rebuild in a temporary folder and compare with output/ and its manifest
	$(RUN) -m livingreview verify

BIB ?= references.bib
check-bib: $(STAMP)  ## Format every entry of a BibTeX file (BIB=...); report what cannot be formatted
	$(RUN) -m livingreview check-bib $(BIB)

$(STAMP): requirements.lock
	$(PYTHON) -c 'import sys; sys.exit("livingreview needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	touch $(STAMP)

lock:  ## Re-resolve requirements.in into requirements.lock (exact versions with hashes)
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet pip-tools
	.venv-lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	    --no-emit-index-url --no-emit-find-links --output-file requirements.lock requirements.in
	rm -rf .venv-lock

clean:  ## Remove intermediate files (never output/)
	rm -rf build .snakemake .pytest_cache
