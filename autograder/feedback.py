"""Feedback for students that shows their results but not the hidden tests.

nbgrader's own feedback HTML contains the hidden tests (the graded notebook runs them). Here the
autograded notebook is copied, the lines between ``### BEGIN HIDDEN TESTS`` and
``### END HIDDEN TESTS`` of every cell are replaced by one comment, and error outputs keep only
their exception name and message (IPython tracebacks quote the failing source lines). Each graded
cell gets a line with its score, and the page starts with the total. Written to
``feedback/<student>/<assignment>/<notebook>.html`` (nbgrader's folder; its own
``generate_feedback`` is not used).
"""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path

_HIDDEN = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*$", re.S | re.M
)


def strip_hidden(source: str) -> str:
    return _HIDDEN.sub("# (hidden tests are not shown; their result is below)", source)


def _meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def sanitize(nb, cell_scores: dict):
    import nbformat

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        cell.source = strip_hidden(cell.source)
        if cell.cell_type != "code":
            continue
        outs = []
        for out in cell.outputs:
            if out.output_type == "error":
                outs.append(
                    nbformat.v4.new_output(
                        "stream", name="stderr", text=f"{out.ename}: {strip_hidden(out.evalue)}\n"
                    )
                )
            else:
                outs.append(out)
        gid = _meta(cell).get("grade_id")
        if _meta(cell).get("grade") and gid in cell_scores:
            got, most = cell_scores[gid]
            outs.append(
                nbformat.v4.new_output(
                    "stream", name="stdout", text=f"[grader] {gid}: {got:g} / {most:g} points\n"
                )
            )
        cell.outputs = outs
    return nb


_EXPORTER = None


def _exporter():
    """One HTML exporter for every page of the run (building one loads its templates)."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter

        _EXPORTER = HTMLExporter(template_name="classic")
    return _EXPORTER


def write_feedback(course: Path, assignment: str, student: str, dirs: dict) -> list[Path]:
    import nbformat
    from nbgrader.api import Gradebook

    written = []
    graded = dirs["autograded"] / student / assignment
    outdir = Path(course) / "feedback" / student / assignment
    outdir.mkdir(parents=True, exist_ok=True)
    with Gradebook(f"sqlite:///{Path(course) / 'gradebook.db'}") as gb:
        for path in sorted(graded.glob("*.ipynb")):
            sub = gb.find_submission_notebook(path.stem, assignment, student)
            scores = {g.name: (float(g.score), float(g.max_score)) for g in sub.grades}
            total, most = float(sub.score), float(sub.max_score)
            nb = sanitize(nbformat.read(str(path), as_version=4), scores)
            nb.cells.insert(
                0,
                nbformat.v4.new_markdown_cell(
                    f"# Feedback: {html.escape(assignment)} / {html.escape(path.stem)}\n\n"
                    f"Student: `{student}`. **Score: {total:g} / {most:g}**"
                ),
            )
            body, _ = _exporter().from_notebook_node(nb)
            out = outdir / f"{path.stem}.html"
            out.write_text(body)
            written.append(out)
    return written
