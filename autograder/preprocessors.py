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
