# livingreview: the two commands an author needs are `make review` and `make test`.
# Every target installs the pinned environment into .venv first (once).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# What every target needs first: the pinned environment, installed, and pointing at this folder's
# workflow/. (The benchmark and the tests run `make review INSTALL=` in copies of the project, with
# this checkout's environment as it is.)
INSTALL ?= $(VENV)/.installed venv-points-here
# This folder's package and logger plugin come first, whatever the environment points at.
RUN    := PYTHONPATH="$(CURDIR)/workflow" $(PY) -m livingreview
# The file through which the environment imports the package and the logger plugin (plain `snakemake` too).
PTH     = $(firstword $(wildcard $(VENV)/lib/python3*/site-packages/livingreview.pth))

# The review folder to build: the seed review at the top level, or e.g. REVIEW=examples/metapsy-depression
REVIEW ?= .
# Options for the build, e.g. make review CONFIG="reference_style=vancouver"
CONFIG ?=
# STRICT=1: what a journal runs; refuse to publish what a build otherwise only warns about (config key strict)
STRICT ?=
BUILD_CONFIG := $(strip $(CONFIG) $(if $(filter 1 yes true,$(STRICT)),strict=True))

.PHONY: review new preview bench-preview docs import test bench bench-scale verify check-certificate check-bib \
        pages unlock lock clean venv-points-here

# What a build reads, besides the venv: when none of it is newer than the record of the last
# publication, every file the record lists is still in the output folder (none was deleted), no input's
# content differs from what that publication was built from (build/inputs.sha256, whatever its
# modification time: cp -p, rsync -a, unzip) and CONFIG is empty, the release in output/ is current and
# Snakemake is not started. (A REVIEW path with a space cannot be listed by make's wildcard: such a build
# always starts Snakemake.)
RECORD  := $(REVIEW)/build/published.json
SOURCES := $(wildcard $(REVIEW)/config $(REVIEW)/data $(REVIEW)/templates $(REVIEW)/references.bib $(REVIEW)/output) \
           Snakefile profiles workflow templates requirements.lock
# Exits 0 when every file of the record is in the output folder it names (relative to REVIEW).
ALL_PUBLISHED := $(PY) -c 'import json, os, sys; r = json.load(open(sys.argv[1])); \
    sys.exit(not all(os.path.isfile(os.path.join(sys.argv[2], r["output"], n)) for n in r["files"]))'

review: $(INSTALL)  ## Build REVIEW's review.{md,html,pdf}, changes report and manifest; publish them to its output/ (STRICT=1: refuse incomplete references)
	@if [ -z "$(BUILD_CONFIG)" ] && [ -z "$(word 2,$(REVIEW))" ] && [ -f "$(RECORD)" ] && [ "$(RECORD)" -nt "$(VENV)/.installed" ] && \
	    [ -z "$$(find $(SOURCES) -newer "$(RECORD)" -not -path '*/__pycache__/*' -print -quit)" ] && \
	    $(ALL_PUBLISHED) "$(RECORD)" "$(REVIEW)" && \
	    (cd "$(REVIEW)" && sha256sum --status -c build/inputs.sha256) 2>/dev/null; then \
	    echo "livingreview: $(REVIEW)/output/ is up to date"; \
	else \
	    $(RUN) build "$(REVIEW)" $(if $(BUILD_CONFIG),--config $(BUILD_CONFIG)); \
	fi

# The kind of review `make new` writes: narrative or meta-analysis
KIND ?= narrative
new: $(INSTALL)  ## Write a new review folder REVIEW=path (KIND=narrative|meta-analysis) with an example that builds at once
	@if [ "$(REVIEW)" = "." ]; then echo "usage: make new REVIEW=../my-review KIND=narrative|meta-analysis" >&2; exit 2; fi
	$(RUN) new "$(REVIEW)" --kind "$(KIND)"

PORT ?= 8000
preview: $(INSTALL)  ## Build REVIEW's HTML into its build/, serve it on http://127.0.0.1:PORT/ and rebuild it on every save (never publishes output/)
	$(RUN) preview "$(REVIEW)" --port $(PORT)

bench-preview: $(INSTALL)  ## Time save -> page ready in the preview, for the seed and the Metapsy review (medians)
	$(RUN) bench-preview . examples/metapsy-depression

docs: $(INSTALL)  ## Build the documentation site (MkDocs, --strict) into build/site/; its reference is generated from workflow/schemas/
	$(PY) -m mkdocs build --strict --quiet

# The database release to import, e.g. make import REVIEW=examples/metapsy-depression RELEASE=22.0.2
RELEASE ?=
import: $(INSTALL)  ## Import REVIEW/sources/RELEASE/ into REVIEW's tables, references.bib and import-report.md
	@if [ -z "$(RELEASE)" ]; then echo "usage: make import REVIEW=examples/metapsy-depression RELEASE=22.0.2" >&2; exit 2; fi
	$(RUN) import --review "$(REVIEW)" --release "$(RELEASE)"

# The tests are independent (each builds in a folder of its own): two workers (pytest-xdist), one per core of
# the machine the suite is sized for; TESTFLAGS passes more, e.g. make test TESTFLAGS="-k metapsy -n 0".
TESTFLAGS ?=
test: $(INSTALL)  ## Lint the code (ruff.toml), then run the test suite (unit and end-to-end) on two cores
	$(PY) -m ruff check --no-cache .
	$(PY) -m pytest -n 2 --dist worksteal $(TESTFLAGS)

bench: $(INSTALL)  ## Time cold, no-op and one-edit builds of REVIEW (medians), beside a plain pandoc peer
	$(RUN) bench "$(REVIEW)"

SIZES ?= 1000 2000 10000
bench-scale: $(INSTALL)  ## Time cold, no-op and one-edit builds of SIZES synthetic studies, with peak memory
	$(RUN) bench-scale $(SIZES)

# With CERTIFICATE=PATH, verify also writes the verification (verdict, commit, tools, hashes) to PATH as JSON.
CERTIFICATE ?=
verify: $(INSTALL)  ## Rebuild REVIEW in a temporary folder and compare with its output/ and manifest
	$(RUN) verify "$(REVIEW)" $(if $(CERTIFICATE),--certificate "$(CERTIFICATE)")

# The certificate to check, e.g. make check-certificate FILE=verification.json
FILE ?=
check-certificate: $(INSTALL)  ## Check a certificate (FILE=...) against the manifest and files at the commit it names
	@if [ -z "$(FILE)" ]; then echo "usage: make check-certificate FILE=verification.json" >&2; exit 2; fi
	$(RUN) check-certificate "$(FILE)"

BIB ?= references.bib
check-bib: $(INSTALL)  ## Format every entry of a BibTeX file (BIB=...); report what cannot be formatted
	$(RUN) check-bib "$(BIB)"

pages: $(INSTALL)  ## Render REVIEW's published PDF pages and HTML page (phone, desktop) as PNG in REVIEW/build/pages/
	$(RUN) pages "$(REVIEW)"

unlock: $(INSTALL)  ## Remove the lock a killed build left (only when no build is running in REVIEW)
	PYTHONPATH="$(CURDIR)/workflow" $(PY) -m snakemake --unlock -d "$(REVIEW)"

$(VENV)/.installed: requirements.lock
	$(PYTHON) -c 'import sys; sys.exit("livingreview needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	# The package and the logger plugin in workflow/ are importable in the venv (plain `snakemake` too).
	$(PY) -c 'import site, pathlib; pathlib.Path(site.getsitepackages()[0], "livingreview.pth").write_text(str(pathlib.Path("workflow").resolve()) + "\n")'
	touch $(VENV)/.installed

# A virtual environment copied with the project (cp -a) or made for another checkout imports that
# checkout's package in plain `snakemake`: point it at this folder's workflow/ (what `.installed` does).
venv-points-here: $(VENV)/.installed
	@if [ "$$(cat "$(PTH)")" != "$(CURDIR)/workflow" ]; then \
	    echo "livingreview: $(VENV) pointed at $$(cat "$(PTH)"); it now points at $(CURDIR)/workflow"; \
	    echo "$(CURDIR)/workflow" > "$(PTH)"; \
	fi

lock:  ## Re-resolve requirements.in into requirements.lock (exact versions with hashes)
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet pip-tools
	.venv-lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	    --no-emit-index-url --no-emit-find-links --output-file requirements.lock requirements.in
	rm -rf .venv-lock

clean:  ## Remove REVIEW's intermediate files and Snakemake's metadata (never output/)
	rm -rf $(REVIEW)/build $(REVIEW)/.snakemake $(REVIEW)/.output.publish .pytest_cache
