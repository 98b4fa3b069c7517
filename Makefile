# casekit — two commands on a fresh machine (python3 with venv, and make):
#   make course   create .venv, install, build and run the course, say where the results are
#   make test     ruff (make lint), then the whole test suite (what CI runs)
# Also: make lab (JupyterLab on the course map, course kernel, project config in jupyter/),
#   make notebook (the same in Notebook 7), make bench, make clean, and
#   make bench-scale   100M-row UserBehavior log: first load, then funnel + AIPL + RFM on DuckDB
#                      vs pandas (~10 min, 4 GB of data in .casekit-cache/bench-scale; writes
#                      benchmarks/results/scale.json; not part of make bench)
#   make handouts      print-ready PDFs in handouts/ (notebooks, worksheets, answer keys,
#                      reading pack) with headless Chromium; not part of make course
#   make mutation      mutation testing of the grader's comparison and core formulas (mutmut;
#                      writes benchmarks/results/mutation.md; not part of make test)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.casekit-installed
JOBS   ?=

.PHONY: course test lab notebook bench bench-scale bench-grade mutation lint clean venv handouts

# `casekit data check` re-validates every dataset (~10 s); it reruns only when a dataset,
# the catalogue or the code that reads and validates them is newer than its stamp.
DATA_STAMP  := .casekit-cache/data-checked
DATA_INPUTS := $(shell find datasets src/casekit/data -type f ! -name '*.pyc' 2>/dev/null)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/casekit kernel
	@touch $(STAMP)

venv: $(STAMP)

$(DATA_STAMP): $(DATA_INPUTS) $(STAMP)
	$(BIN)/casekit data check
	@mkdir -p $(@D) && touch $@

course: $(STAMP) $(DATA_STAMP)
	$(BIN)/casekit index
	$(BIN)/casekit build notebooks solutions $(if $(JOBS),--jobs $(JOBS))
	$(BIN)/casekit assign
	$(BIN)/casekit guide
	$(BIN)/casekit site
	@echo
	@echo "Done. Executed curriculum: notebooks/   solutions: solutions/   student exercises: exercises/"
	@echo "Datasets: datasets/ (described in datasets/catalog.yaml). Trainer notes: instructor/"
	@echo "Course website (offline, no server needed): open site/index.html in a browser"
	@echo "Open JupyterLab with the course kernel 'Python (casekit 课程)':  make lab"
	@echo "Printable PDFs (notebooks, worksheets, answer keys, reading pack): make handouts"

# Printable PDFs from the executed notebooks and exercises (run `make course` first); only
# handouts whose inputs changed are printed again.
handouts: $(STAMP)
	$(BIN)/casekit handouts

test: $(STAMP) lint
	$(BIN)/python -m pytest -n auto --dist loadscope

# jupyter/ adds the project's Jupyter config (course kernel by default, no news or update
# checks, read-only extension manager) on top of the user's own; tests/test_lab.py runs this
# very recipe (read with `make -n`) in a browser.
LAB_ENV := JUPYTER_CONFIG_PATH=$(CURDIR)/jupyter

lab: $(STAMP)
	$(LAB_ENV) $(BIN)/jupyter lab --ServerApp.root_dir=. notebooks/00_course_map.ipynb

notebook: $(STAMP)
	$(LAB_ENV) $(BIN)/jupyter notebook --ServerApp.root_dir=. notebooks/00_course_map.ipynb

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_generators.py
	$(BIN)/python benchmarks/bench_library.py
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_grade.py --n 20

bench-scale: $(STAMP)
	$(BIN)/python benchmarks/bench_scale.py --json benchmarks/results/scale.json

# nbgrader, timed by bench-grade for comparison, gets its own environment: it switches on its
# server and JupyterLab extensions wherever it is installed, and the course's JupyterLab
# must not show them.
NBGRADER := .venv-nbgrader/bin/nbgrader
$(NBGRADER): benchmarks/requirements-nbgrader.txt
	@test -x .venv-nbgrader/bin/python || $(PYTHON) -m venv .venv-nbgrader
	.venv-nbgrader/bin/python -m pip install --quiet -r benchmarks/requirements-nbgrader.txt
	@touch $(NBGRADER)

bench-grade: $(STAMP) $(NBGRADER)
	$(BIN)/python benchmarks/bench_grade.py --n 100 --jobs 2 --cluster-workers 2 --json benchmarks/results/grade.json

mutation: $(STAMP)
	$(BIN)/python benchmarks/mutation.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) .venv-nbgrader build dist .pytest_cache .ruff_cache .hypothesis .benchmarks .casekit-cache mutants
