"""Numbers for each chapter's "Objectives and time" block, computed when the page is built.

A chapter's first (hidden) cell calls :func:`start`, its last hidden cell :func:`finish`; both glue
their results so the block at the top of the page can quote them. The page runs with ``book/`` as
its working directory (Jupyter Book 1 executes a notebook in its own folder).

- Reading time: the words of the page's prose (the Markdown outside code cells and outside the
  YAML header), at :data:`WORDS_PER_MINUTE`, rounded up to whole minutes.
- Execution time: the wall-clock time from the first to the last cell of the page, measured in the
  build that produced the page (a cached build shows the time of the run it cached).

Both are computed when the page is executed. ``execute_notebooks: cache`` re-executes a page only
when its code changes, so after a prose-only edit a local build keeps the word count of the last
execution; a fresh build (CI, a new clone, ``jupyter-book clean``) always recomputes both.
- Exercise time: an estimate, not a measurement: :data:`MINUTES_PER_ANSWER` minutes per graded
  function (reading its specification and tests) plus :data:`MINUTES_PER_LINE` per line of the
  reference solution (writing and debugging it), rounded up to 5 minutes.
"""

from __future__ import annotations

import json
import math
import re
import time
from pathlib import Path

WORDS_PER_MINUTE = 200
MINUTES_PER_ANSWER = 10
MINUTES_PER_LINE = 1

_ROOT = Path(__file__).resolve().parent.parent
_t0: float | None = None


def prose_words(markdown: str) -> int:
    """Words of a MyST notebook's prose: no YAML header, no code cells, no directive options."""
    text = re.sub(r"\A---\n.*?\n---\n", "", markdown, flags=re.S)
    text = re.sub(r"```\{code-cell\}.*?\n```", " ", text, flags=re.S)
    text = re.sub(r"^:[a-z-]+:.*$", " ", text, flags=re.M)
    text = re.sub(r"\{[a-z:-]+\}`[^`]*`", "x", text)  # a role counts as one word
    return len(re.findall(r"[A-Za-z0-9][A-Za-z0-9'.,-]*", text))


def reading_minutes(words: int, wpm: int = WORDS_PER_MINUTE) -> int:
    """Whole minutes to read ``words`` words at ``wpm`` words per minute (rounded up)."""
    return max(1, math.ceil(words / wpm))


def solution_size(slug: str) -> tuple[int, int]:
    """(graded functions, non-blank non-comment solution lines) of ``solutions/<slug>``."""
    nb = json.loads((_ROOT / "solutions" / slug / f"{slug}.ipynb").read_text())
    answers = lines = 0
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("solution") or meta.get("grade"):
            continue
        answers += 1
        inside = False
        for line in "".join(cell["source"]).splitlines():
            if "BEGIN SOLUTION" in line:
                inside = True
            elif "END SOLUTION" in line:
                inside = False
            elif inside and line.strip() and not line.strip().startswith("#"):
                lines += 1
    return answers, lines


def exercise_minutes(slug: str) -> int:
    """The estimate described in the module docstring, rounded up to a multiple of 5."""
    answers, lines = solution_size(slug)
    return 5 * math.ceil((MINUTES_PER_ANSWER * answers + MINUTES_PER_LINE * lines) / 5)


def start(slug: str) -> None:
    """Glue ``words``, ``read_min``, ``wpm``, ``ex_min``, ``ex_answers``, ``ex_lines``."""
    from myst_nb import glue

    global _t0
    _t0 = time.perf_counter()
    words = prose_words((_ROOT / "book" / f"{slug}.md").read_text())
    answers, lines = solution_size(slug)
    for name, value in [
        ("words", words),
        ("read_min", reading_minutes(words)),
        ("wpm", WORDS_PER_MINUTE),
        ("ex_min", exercise_minutes(slug)),
        ("ex_answers", answers),
        ("ex_lines", lines),
        ("ex_rate_answer", MINUTES_PER_ANSWER),
        ("ex_rate_line", MINUTES_PER_LINE),
    ]:
        glue(f"scaffold_{name}", value, display=False)


def finish() -> None:
    """Glue ``scaffold_run_s``: seconds from :func:`start` to now (this page's code cells)."""
    from myst_nb import glue

    if _t0 is None:
        raise RuntimeError("call _scaffold.start(slug) in the page's first cell")
    elapsed = time.perf_counter() - _t0
    glue("scaffold_run_s", elapsed, display=False)
    glue("scaffold_run_min", elapsed / 60, display=False)
