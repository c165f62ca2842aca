# The two commands a newcomer needs:
#   make book   - create .venv, install everything, build the book into _build/html (offline)
#   make test   - everything above, then every test (convkit vs PyTorch, doctests, graders under real nbgrader)
# Run `make help` for the rest.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
# nbgrader calls `alembic` from PATH, so the environment's bin/ goes first.
export PATH := $(BIN):$(PATH)
export PYTHONHASHSEED := 0

STAMP  := $(VENV)/.installed
MATHJAX := book/_static/mathjax/tex-chtml.js
JOBS   ?= 2
BOOK_JOBS ?= 2
A      ?= $(notdir $(wildcard solutions/*))

.PHONY: help venv lock lint book test test-fast test-graders release page mathjax bench clean grade lab lab-instructor

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or pass PYTHON=/path/to/python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

venv: $(STAMP)  ## create .venv with everything the course needs (the pinned requirements.lock)

# requirements.txt is what people edit; requirements.lock pins the whole environment, so every build
# of the book computes the same numbers. uv keeps the pins already in the lock where it can. torch is
# resolved as its CPU build (torch==...+cpu, whose metadata names no CUDA packages) from the wheels
# pip is pointed at (PIP_FIND_LINKS) or else PyTorch's CPU index; the lock names it without +cpu.
LOCK_FLAGS ?= $(if $(PIP_FIND_LINKS),--find-links $(PIP_FIND_LINKS),--torch-backend cpu)
lock: $(STAMP)  ## regenerate requirements.lock from requirements.txt (uv pip compile)
	echo "torch==$$(sed -n 's/^torch==\([0-9.]*\).*/\1/p' requirements.txt)+cpu" > $(VENV)/torch-cpu.txt
	$(BIN)/uv pip compile requirements.txt -o requirements.lock --python-version 3.11.7 --quiet \
	  --constraint $(VENV)/torch-cpu.txt $(LOCK_FLAGS)
	sed -i 's/^torch==\(.*\)+cpu$$/torch==\1/' requirements.lock

LINTED := convkit convgrade autograder
lint: $(STAMP)  ## ruff (lint, then format check) and mypy over convkit, convgrade and autograder
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy

$(MATHJAX): $(STAMP)
	rm -rf book/_static/mathjax
	mkdir -p book/_static
	cp -r "$$($(BIN)/python -c 'import mathjax, os; print(os.path.join(os.path.dirname(mathjax.__file__), "static", "mathjax", "es5"))')" book/_static/mathjax

mathjax: $(MATHJAX)  ## copy MathJax into the book so math renders offline

book: $(STAMP) $(MATHJAX)  ## build the HTML book into _build/html (warnings are errors; BOOK_JOBS pages run in parallel)
	$(BIN)/python tools/book_cache.py execute --jobs $(BOOK_JOBS)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@$(BIN)/python tools/book_cache.py report

# One-page builds leave out the other chapters and the introduction, so the glossary's chapter
# links and the seed citations (labels seed-000..seed-004 on the introduction) cannot resolve
# there: the page build's config ignores exactly those; the full `make book` still checks them.
define PAGE_CONFIG
import os, sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
local = cfg.get("sphinx", {}).get("local_extensions") or {}
for name, path in local.items():  # the copy lives in /tmp: make the extension paths absolute
    local[name] = os.path.abspath(path)
ignore = cfg.setdefault("sphinx", {}).setdefault("config", {}).setdefault("nitpick_ignore_regex", [])
ignore += [["std:doc", r"(/book/)?(0[1-9]|1[0-2])-[a-z0-9-]+"], ["std:doc", r"(/book/)?intro"],
           ["std:doc", r"(/book/)?appendix-[a-z0-9-]+"],
           ["std:ref", r"seed-00[0-9]"]]
yaml.safe_dump(cfg, open(sys.argv[2], "w"), allow_unicode=True)
endef
export PAGE_CONFIG

page: $(STAMP) $(MATHJAX)  ## build one page P=book/NN-slug.md into /tmp/page-NN-slug (warnings are errors)
	@test -n "$(P)" || { echo "usage: make page P=book/NN-slug.md" >&2; exit 2; }
	@name=$(basename $(notdir $(P))); toc=/tmp/toc-$$name.yml; \
	{ echo "format: jb-book"; echo "root: $(basename $(P))"; echo "chapters:"; echo "  - file: book/glossary"; \
	  for f in intro setup shapes; do test "$$name" = $$f || echo "  - file: book/$$f"; done; \
	  test -f exercises/$$name/$$name.ipynb && echo "  - file: exercises/$$name/$$name"; true; } > $$toc; \
	cfg=/tmp/config-$$name.yml; $(BIN)/python -c "$$PAGE_CONFIG" _config.yml $$cfg || exit 1; \
	$(BIN)/jupyter-book build . --toc $$toc --config $$cfg --path-output /tmp/page-$$name -W -n --keep-going

release: $(STAMP)  ## regenerate exercises/ from solutions/ with nbgrader (A=<assignment> for one)
	@for a in $(A); do \
	  tmp=$$(mktemp -d); \
	  $(BIN)/nbgrader generate_assignment "$$a" --force --CourseDirectory.db_url="sqlite:///$$tmp/gradebook.db" || exit 1; \
	  rm -rf "$$tmp"; \
	done

test: book  ## build the book, then run every test
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup --durations=15

test-fast: $(STAMP)  ## every test except the real-nbgrader grader runs and the book checks
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup -m "not grading and not book"

test-graders: $(STAMP)  ## autograde solution, release and known-wrong versions (A=<assignment> for one)
	$(BIN)/python -m pytest tests/test_graders.py -n $(JOBS) --dist loadgroup $(if $(filter command line,$(origin A)),-k "$(A)")

# Students see no instructor tools: jupyter/student disables nbgrader's Formgrader, Create
# Assignment and Courses (browser plugins and server extensions); see book/setup.md.
lab: $(STAMP)  ## JupyterLab for students (no Formgrader or Create Assignment)
	JUPYTER_CONFIG_PATH=$(CURDIR)/jupyter/student $(BIN)/jupyter lab

lab-instructor: $(STAMP)  ## JupyterLab with nbgrader's instructor tools (Formgrader, Create Assignment)
	$(BIN)/jupyter lab

bench: $(STAMP)  ## print convkit-vs-PyTorch ratios
	@for f in benchmarks/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:  ## remove the build and nbgrader's scratch folders (keeps .venv)
	rm -rf _build book/_static/mathjax submitted autograded feedback gradebook.db

grade: $(STAMP)  ## grade submitted/*/A/ in a sandbox: status CSV, summary, feedback (A=<assignment>)
	@test -n "$(filter command line,$(origin A))" || { echo "usage: make grade A=<assignment>" >&2; exit 2; }
	$(BIN)/python -m autograder grade $(A) $(GRADE_FLAGS)
