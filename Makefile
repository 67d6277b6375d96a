# lossedu: the course's single entry point. Every target creates .venv/ on demand.
#   make book   build the static site into _build/html (executes the notebooks, cached)
#   make test   unit, grading and notebook (nbval) tests, plus a -W build of the site
#   make lab    open JupyterLab on the course, with the project's kernel
#   make bench  speed ratios of lossedu against torch / scipy (not part of make test);
#               make bench DEVICE=cuda runs them on the GPU and adds peak-memory ratios
#   make pdf    the whole course as one PDF, _build/pdf/lossedu.pdf (needs Debian's chromium)
#   make notebooks  re-execute every notebook and regenerate exercises/ (maintainers)
# Set SOLUTIONS=no to build the site without the solutions part:  make book SOLUTIONS=no

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
JOBS ?= 2
SOLUTIONS ?= yes
DEVICE ?= cpu

.PHONY: book test bench notebooks exercises lab clean sandbox pdf

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[book,test,lab]"
	@touch $(STAMP)

book: $(STAMP)
	$(PY) -m lossedu.sitebuild --solutions $(SOLUTIONS)
	@echo "The course is built: $(CURDIR)/_build/html/index.html"

pdf: $(STAMP)
	$(PY) -m lossedu.bookpdf --solutions $(SOLUTIONS)

test: $(STAMP)
	OMP_NUM_THREADS=1 $(PY) -m pytest -n $(JOBS) --dist loadfile \
	    --nbval --nbval-current-env --nbval-sanitize-with .nbval-sanitize.cfg \
	    --doctest-modules lossedu tests book solutions exercises

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=$(CURDIR)

bench: $(STAMP)
	$(PY) benchmarks/run.py --device $(DEVICE)
	$(PY) benchmarks/bench_grading.py

notebooks: $(STAMP)
	$(VENV)/bin/lossedu execute book/*.ipynb solutions/*.ipynb
	$(VENV)/bin/lossedu make-exercises

exercises: $(STAMP)
	$(VENV)/bin/lossedu make-exercises

# bubblewrap (Debian/Ubuntu package) sandboxes each submission that `lossedu grade` runs
sandbox:
	@command -v bwrap >/dev/null 2>&1 || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    apt-get install -y --no-install-recommends bubblewrap; \
	    else sudo apt-get install -y --no-install-recommends bubblewrap; fi; }

clean:
	rm -rf _build .jupyter_cache
