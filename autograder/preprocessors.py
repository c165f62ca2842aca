"""nbgrader preprocessors added to the autograde pipeline by the class command."""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Integer


class ClipOutput(Preprocessor):
    """Cut every text output to ``max_chars`` characters (nbgrader's LimitOutput counts lines only,
    so one 20 MB line would otherwise go into the graded notebook, the gradebook and feedback)."""

    enabled = Bool(True).tag(config=True)  # nbconvert preprocessors are off unless enabled
    max_chars = Integer(20_000, help="characters kept per output text").tag(config=True)

    def _clip(self, text):
        if isinstance(text, list):
            text = "".join(text)
        if len(text) <= self.max_chars:
            return text
        return (
            text[: self.max_chars]
            + f"\n... [output clipped by the grader: {len(text)} characters in all]\n"
        )

    def preprocess_cell(self, cell, resources, index):
        for out in cell.get("outputs", []):
            if "text" in out:
                out["text"] = self._clip(out["text"])
            for key, value in list(out.get("data", {}).items()):
                if isinstance(value, (str, list)) and key.startswith("text/"):
                    out["data"][key] = self._clip(value)
            if "traceback" in out:
                out["traceback"] = [self._clip(t) for t in out["traceback"][-50:]]
        return cell, resources


STDERR_PREFIX = "[stderr] "


class StderrToStdout(Preprocessor):
    """Keep stderr from costing a graded test cell its points.

    nbgrader scores a graded code cell 0 when any of its outputs is a ``stderr`` stream
    (``nbgrader.utils.determine_grade``), with no reason recorded: a debug
    ``print(..., file=sys.stderr)`` in an answer, a numpy ``RuntimeWarning`` raised while a test
    runs (``np.where(keep, x / (1 - p), 0.0)`` at ``p = 1``) or a warning from a library zeroes a
    cell whose checks all held. Run right after execution, this turns every ``stderr`` stream of a
    graded test cell (``grade`` true, ``solution`` false) into a ``stdout`` stream whose lines start
    with ``[stderr] `` (still shown in the graded notebook and the feedback), and records the cells
    in ``nb.metadata["autograder"]["stderr"]`` (a list of ``{"cell_index", "grade_id", "chars"}``)
    for the class command's reasons. A cell's score then depends only on whether its code ran to the
    end (an ``error`` output still scores 0) and what it returned. Other cells are left alone.
    """

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        self._found: list[dict] = []
        nb, resources = super().preprocess(nb, resources)
        meta = nb.metadata.setdefault("autograder", {})
        meta["stderr"] = self._found
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        nbgrader = cell.get("metadata", {}).get("nbgrader", {}) or {}
        if cell.cell_type != "code" or not nbgrader.get("grade") or nbgrader.get("solution"):
            return cell, resources
        chars = 0
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = out.get("text", "")
                text = "".join(text) if isinstance(text, list) else text
                chars += len(text)
                out["name"] = "stdout"
                out["text"] = "".join(
                    STDERR_PREFIX + line for line in text.splitlines(keepends=True)
                )
        if chars:
            self._found.append(
                {"cell_index": index, "grade_id": nbgrader.get("grade_id"), "chars": chars}
            )
        return cell, resources


def keep_stderr_pipeline(preprocessors=None) -> list:
    """An autograde pipeline (default: nbgrader's ``Autograde.autograde_preprocessors``) with
    :class:`StderrToStdout` right after the preprocessor that executes the notebook (nbgrader's
    ``Execute`` or a subclass). The course's ``nbgrader_config.py`` uses it, so that plain
    ``nbgrader autograde`` scores a cell as the class grader does."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    if preprocessors is None:
        preprocessors = Autograde.class_traits()["autograde_preprocessors"].default()
    out = []
    for pp in preprocessors:
        out.append(pp)
        if isinstance(pp, type) and issubclass(pp, Execute):
            out.append(StderrToStdout)
    if StderrToStdout not in out:
        raise ValueError("the pipeline has no Execute preprocessor to follow")
    return out
