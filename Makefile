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

.PHONY: help venv book test test-fast test-graders release page mathjax bench clean grade

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or pass PYTHON=/path/to/python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

venv: $(STAMP)  ## create .venv with everything the course needs

$(MATHJAX): $(STAMP)
	rm -rf book/_static/mathjax
	mkdir -p book/_static
	cp -r "$$($(BIN)/python -c 'import mathjax, os; print(os.path.join(os.path.dirname(mathjax.__file__), "static", "mathjax", "es5"))')" book/_static/mathjax

mathjax: $(MATHJAX)  ## copy MathJax into the book so math renders offline

book: $(STAMP) $(MATHJAX)  ## build the HTML book into _build/html (warnings are errors; BOOK_JOBS pages run in parallel)
	$(BIN)/python tools/book_cache.py execute --jobs $(BOOK_JOBS)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@$(BIN)/python tools/book_cache.py report

page: $(STAMP) $(MATHJAX)  ## build one page P=book/NN-slug.md into /tmp/page-NN-slug (warnings are errors)
	@test -n "$(P)" || { echo "usage: make page P=book/NN-slug.md" >&2; exit 2; }
	@name=$(basename $(notdir $(P))); toc=/tmp/toc-$$name.yml; \
	{ echo "format: jb-book"; echo "root: $(basename $(P))"; echo "chapters:"; echo "  - file: book/glossary"; \
	  test -f exercises/$$name/$$name.ipynb && echo "  - file: exercises/$$name/$$name"; true; } > $$toc; \
	$(BIN)/jupyter-book build . --toc $$toc --path-output /tmp/page-$$name -W -n --keep-going

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

bench: $(STAMP)  ## print convkit-vs-PyTorch ratios
	@for f in benchmarks/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:  ## remove the build and nbgrader's scratch folders (keeps .venv)
	rm -rf _build book/_static/mathjax submitted autograded feedback gradebook.db

grade: $(STAMP)  ## grade submitted/*/A/ in a sandbox: status CSV, summary, feedback (A=<assignment>)
	@test -n "$(filter command line,$(origin A))" || { echo "usage: make grade A=<assignment>" >&2; exit 2; }
	$(BIN)/python -m autograder grade $(A) $(GRADE_FLAGS)
