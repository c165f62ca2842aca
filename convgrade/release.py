"""What ``nbgrader generate_assignment`` does differently for this course (``nbgrader_config.py``).

* :class:`NamedClearSolutions`: nbgrader's ``ClearSolutions`` with a stub that names the function
  it belongs to, so that Run All stops with ``NotImplementedError: corr2d: replace this line with
  your code`` rather than a bare ``NotImplementedError:``.
* :class:`AddScorecard`: appends the scorecard cells (a heading and a cell calling
  :func:`convgrade.scorecard.scorecard`) to every released notebook. It runs after nbgrader has
  recorded the cells in the gradebook, so the cells are neither graded nor restored by nbgrader.
* :func:`release_preprocessors`: nbgrader's ``generate_assignment`` pipeline with both.

The scorecard cells are the same in every notebook and recognised by the tag
:data:`SCORECARD_TAG`; :func:`convgrade.scorecard.scorecard` skips them when it runs a notebook.
"""

from __future__ import annotations

import re

from nbformat.v4 import new_code_cell, new_markdown_cell
from nbgrader.preprocessors import ClearSolutions, NbGraderPreprocessor
from traitlets import Unicode

__all__ = [
    "SCORECARD_SOURCE",
    "SCORECARD_TAG",
    "AddScorecard",
    "NamedClearSolutions",
    "enclosing_name",
    "release_preprocessors",
    "stub_for",
]

#: Tag of the cells :class:`AddScorecard` appends.
SCORECARD_TAG = "scorecard"

SCORECARD_HEADING = """\
## Scorecard

Save the notebook (Ctrl+S), then run the cell below. It runs this notebook as saved in a fresh
kernel, every cell even after an error, and lists each visible test: passed or failed (with the
first line of the reason) and its points, then your total of the visible points. From a terminal:
`python -m convgrade.scorecard <this notebook>.ipynb`. The grade also counts hidden tests, so the
visible total is what you can check now, not your grade."""

SCORECARD_SOURCE = "from convgrade.scorecard import scorecard\n\nscorecard()"

_DEF = re.compile(r"^(\s*)(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)")


def enclosing_name(lines: list[str], index: int) -> str | None:
    """The dotted name of the ``def``/``class`` that encloses line ``index`` of ``lines``.

    Examples::

        >>> enclosing_name(["def corr2d(x, k):", "    ### BEGIN SOLUTION"], 1)
        'corr2d'
        >>> src = ["class Residual(nn.Module):", "    def forward(self, x):", "        pass"]
        >>> enclosing_name(src, 2)
        'Residual.forward'
        >>> enclosing_name(["x = 1"], 0) is None
        True
    """
    indent = len(lines[index]) - len(lines[index].lstrip())
    names: list[str] = []
    for line in reversed(lines[:index]):
        match = _DEF.match(line)
        if match and len(match.group(1)) < indent:
            names.append(match.group(2))
            indent = len(match.group(1))
    return ".".join(reversed(names)) or None


def stub_for(name: str) -> str:
    """The code a student finds in place of the solution of ``name``.

    Examples::

        >>> print(stub_for("corr2d"))
        # YOUR CODE HERE
        raise NotImplementedError("corr2d: replace this line with your code")
    """
    message = f"{name}: replace this line with your code"
    return f'# YOUR CODE HERE\nraise NotImplementedError("{message}")'


class NamedClearSolutions(ClearSolutions):
    """``ClearSolutions`` whose Python stub names the enclosing function, method or class (or the
    cell's ``grade_id`` for a solution region outside any ``def``)."""

    def _replace_solution_region(self, cell, language: str) -> bool:
        if cell.cell_type != "code" or language != "python":
            return super()._replace_solution_region(cell, language)
        lines = cell.source.split("\n")
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "this answer")
        new_lines: list[str] = []
        in_solution = replaced = False
        for i, line in enumerate(lines):
            if self.begin_solution_delimeter in line:
                if in_solution:
                    raise RuntimeError("encountered nested begin solution statements")
                in_solution = replaced = True
                indent = re.match(r"\s*", line).group(0)  # type: ignore[union-attr]
                name = enclosing_name(lines, i) or grade_id
                new_lines.extend(indent + stub for stub in stub_for(name).split("\n"))
            elif self.end_solution_delimeter in line:
                in_solution = False
            elif not in_solution:
                new_lines.append(line)
        if in_solution:
            raise RuntimeError("no end solution statement found")
        cell.source = "\n".join(new_lines)
        return replaced

    def preprocess_cell(self, cell, resources, cell_index):
        # a solution cell without a region is replaced whole: name its grade_id in the stub
        stubs: dict = dict(self.code_stub)  # type: ignore[has-type]
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id and resources.get("language") == "python":
            self.code_stub = {**stubs, "python": stub_for(grade_id)}
        try:
            return super().preprocess_cell(cell, resources, cell_index)
        finally:
            self.code_stub = stubs


class AddScorecard(NbGraderPreprocessor):
    """Append the scorecard heading and cell (tagged :data:`SCORECARD_TAG`, read-only) to a
    released notebook; a notebook that already ends with them is left as it is."""

    heading = Unicode(SCORECARD_HEADING).tag(config=True)

    def preprocess(self, nb, resources):
        if any(SCORECARD_TAG in c.metadata.get("tags", []) for c in nb.cells):
            return nb, resources
        meta = {"tags": [SCORECARD_TAG], "editable": False, "deletable": False}
        heading = new_markdown_cell(self.heading, metadata=dict(meta))
        code = new_code_cell(SCORECARD_SOURCE, metadata=dict(meta, tags=[SCORECARD_TAG]))
        # nbformat >= 4.5 wants cell ids; keep them stable so a fresh release equals the last
        for cell, suffix in ((heading, "heading"), (code, "cell")):
            if "id" in cell:
                cell["id"] = f"scorecard-{suffix}"
        nb.cells.extend([heading, code])
        return nb, resources


def release_preprocessors(preprocessors=None) -> list:
    """nbgrader's ``GenerateAssignment.preprocessors`` (by default its defaults) with
    :class:`NamedClearSolutions` in place of ``ClearSolutions`` and :class:`AddScorecard` last."""
    from nbgrader.converters import GenerateAssignment

    if preprocessors is None:
        preprocessors = GenerateAssignment.class_traits()["preprocessors"].default()
    out = [NamedClearSolutions if pp is ClearSolutions else pp for pp in preprocessors]
    if NamedClearSolutions not in out:
        raise ValueError("the pipeline has no ClearSolutions preprocessor to replace")
    return [*out, AddScorecard]
