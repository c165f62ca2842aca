"""Similarity of answer cells: pasted from the reference, or shared between students.

Students have convkit installed at home, so an answer can be pasted from the reference's source or
copied from another student. After a class is graded, every student's answer cells (code cells with
``metadata.nbgrader.solution``, matched by ``grade_id``) are compared with

* the reference: the source of the convkit functions and classes the assignment's test cells
  import and call (``convkit.corr2d``, ``from convkit.functional.transposed import
  conv_transpose2d as _ref``), with the convkit functions they call in turn, read with
  :func:`inspect.getsource` on the trusted side; and the solution cells of the source notebook;
* the same cell of every other student of the assignment.

The fingerprints are copydetect's (winnowing over k-grams of tokens, with names replaced by a
placeholder: renaming variables changes nothing). Before fingerprinting, comments, docstrings and
the nbgrader solution markers are removed (``ast`` round trip), and the k-grams of the released
cell (the handed-out signature and docstring) never count. The score of a cell is the fraction of
its remaining code covered by the other side's code (copydetect's similarity for that side).
Between students, k-grams that a large part of the class shares are also ignored (common idioms).

A match is a flag for the instructor, never a change of grade. :class:`Thresholds` holds the
cut-offs (measured: ``benchmarks/similarity.py`` prints the scores of the solution, of honest
alternatives and of pasted references).
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib
import inspect
import io
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

#: how matched lines are marked in the review file
MARK = ">>"
_MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


@dataclasses.dataclass(frozen=True)
class Thresholds:
    """The similarity check's settings, in one place (see ``benchmarks/similarity.py``).

    Attributes:
        noise: k-gram length in characters of filtered code (copydetect's noise threshold): shorter
            common runs never count.
        reference: flag a cell whose score against the convkit reference is at least this
            (convkit's code has its own checks and messages: honest answers share little of it).
        solution: flag a cell whose score against the source notebook's solution cell is at
            least this (the solution is the plain way to write it: honest answers share more).
        pair: flag two students whose same cell scores at least this on both sides (each covered
            by the other: near-identical).
        min_chars: only cells with at least this many characters of their own filtered code (not
            handed out) are flagged: a one-line formula is alike in every correct answer.
        common_fraction: between students, ignore k-grams found in more than this fraction of the
            class's submissions of the cell...
        common_min: ...when that is at least this many students.
        max_chars: only the first this many characters of a cell are compared (a cell of
            megabytes would otherwise take minutes to tokenise).
        prefilter: skip the comparisons that cannot reach the threshold: a shared k-gram covers
            at most ``noise`` characters, so fewer than ``threshold * size / noise`` shared
            distinct k-grams cannot (up to k-grams repeated within a cell;
            ``benchmarks/similarity.py`` checks that comparing every pair flags the same).
    """

    noise: int = 25
    reference: float = 0.5
    solution: float = 0.8
    pair: float = 0.9
    min_chars: int = 80
    common_fraction: float = 0.2
    common_min: int = 10
    max_chars: int = 50_000
    prefilter: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.noise, int) or self.noise < 2:
            raise ValueError(f"noise must be an int >= 2, got {self.noise!r}")
        for name in ("reference", "solution", "pair", "common_fraction"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ValueError(f"{name} must be in (0, 1], got {value!r}")
        if self.min_chars < 0 or self.common_min < 1 or self.max_chars < 1:
            raise ValueError("min_chars must be >= 0, common_min and max_chars >= 1")


@dataclasses.dataclass
class Match:
    """One flagged (student, cell): the code on both sides, what matched and the score."""

    student: str
    grade_id: str
    source: str  #: ``convkit.<module>.<name>``, ``solution`` or ``student:<id>``
    score: float  #: fraction of the student's cell covered by the match
    other_score: float  #: fraction of the other side covered
    code: str
    other_code: str
    lines: frozenset[int]  #: matched line numbers (0-based) of ``code``
    other_lines: frozenset[int]

    @property
    def item(self) -> str:
        """The CSV form, ``grade_id~source(score)``."""
        return f"{self.grade_id}~{self.source}({self.score:.2f})"


@dataclasses.dataclass
class Report:
    """What the check found for one class: flags per student and the review text."""

    assignment: str
    thresholds: Thresholds
    matches: list[Match]
    students: int
    cells: int
    seconds: float = 0.0

    def of(self, student: str) -> list[Match]:
        return [m for m in self.matches if m.student == student]

    def items(self, student: str) -> list[str]:
        """``grade_id~source(score)`` items of ``student``, best first per cell."""
        return [m.item for m in sorted(self.of(student), key=_order)]

    def reason(self, student: str) -> str | None:
        """One flag text for the CSV reasons and the summary, or None."""
        found = sorted(self.of(student), key=_order)
        if not found:
            return None
        ref = [m for m in found if m.source.startswith("convkit.")]
        sol = [m for m in found if m.source == "solution"]
        peers = [m for m in found if m.source.startswith("student:")]
        parts = []
        if ref:
            cells = ", ".join(dict.fromkeys(m.grade_id for m in ref))
            parts.append(f"answer cell(s) {cells} match convkit's code")
        if sol:
            cells = ", ".join(dict.fromkeys(m.grade_id for m in sol))
            parts.append(f"answer cell(s) {cells} match the solution")
        if peers:
            cells = ", ".join(dict.fromkeys(m.grade_id for m in peers))
            who = ", ".join(dict.fromkeys(m.source.removeprefix("student:") for m in peers))
            parts.append(f"answer cell(s) {cells} near-identical to {who}")
        return f"similarity: {'; '.join(parts)} (review similarity-{self.assignment}.md)"

    def review(self) -> str:
        """The review file: per flagged (student, cell), both sides with matched lines marked."""
        t = self.thresholds
        out = [
            f"# Similarity review: {self.assignment}",
            "",
            f"{self.students} student(s), {self.cells} answer cell(s) compared. A flag asks for "
            "a look, never changes a grade.",
            f"Flagged: score >= {t.reference} against convkit's code, >= {t.solution} against the "
            f"solution cell, >= {t.pair} both ways between two students, cells of at least "
            f"{t.min_chars} characters of their own code (noise {t.noise}). The score is the "
            "fraction of the student's cell (comments, docstrings and handed-out code left out) "
            "covered by matches; names do not count.",
            f"Code is shown as compared (comments and docstrings removed); `{MARK}` marks the "
            "lines that match.",
            "",
        ]
        if not self.matches:
            out.append("Nothing flagged.")
        for m in sorted(self.matches, key=lambda m: (m.student, m.grade_id, _order(m))):
            out += [
                f"## {m.student} / {m.grade_id} ~ {m.source}: {m.score:.2f} "
                f"(other side {m.other_score:.2f})",
                "",
                f"{m.student}:",
                "```",
                *_marked(m.code, m.lines),
                "```",
                f"{m.source}:",
                "```",
                *_marked(m.other_code, m.other_lines, context=2),
                "```",
                "",
            ]
        return "\n".join(out) + "\n"


def _order(m: Match) -> tuple:
    return (m.grade_id, m.source.startswith("student:"), -m.score, m.source)


def _marked(code: str, lines: frozenset[int], context: int | None = None) -> list[str]:
    """``code`` with ``MARK`` before matched lines; with ``context``, only matched lines and that
    many around them (``...`` for the rest)."""
    rows = code.splitlines()
    keep = set(range(len(rows)))
    if context is not None and lines:
        keep = {j for i in lines for j in range(i - context, i + context + 1)}
    out, skipped = [], False
    for i, row in enumerate(rows):
        if i not in keep:
            if not skipped:
                out.append("   ...")
            skipped = True
            continue
        skipped = False
        out.append(f"{MARK if i in lines else '  '} {row}")
    return out


# -- normalising and fingerprinting ---------------------------------------------------------------


def normalise(source: str) -> str:
    """``source`` as compared: solution markers, IPython magics, comments, docstrings and type
    annotations removed (an ``ast`` round trip); left as it is when it does not parse."""
    text = "\n".join(
        line
        for line in source.splitlines()
        if not _MARKERS.match(line) and not line.lstrip().startswith(("%", "!"))
    )
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return text
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                node.body = body[1:] or [ast.Pass()]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.returns = None
        elif isinstance(node, ast.arg):
            node.annotation = None
    try:
        return ast.unparse(_NoAnnotations().visit(tree))
    except (RecursionError, MemoryError):  # nested too deep to rewrite: compared as written
        return text


class _NoAnnotations(ast.NodeTransformer):
    """``x: int = 1`` -> ``x = 1``; a bare ``x: int`` -> ``pass``."""

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if node.value is None:
            return ast.copy_location(ast.Pass(), node)
        return ast.copy_location(ast.Assign(targets=[node.target], value=node.value), node)


class Fingerprint:
    """copydetect's fingerprint of one piece of code, with some k-grams set aside.

    copydetect's own ``boilerplate`` argument is not used: the ``np.intersect1d(...,
    assume_unique=True)`` it relies on also drops the first occurrence of a k-gram that occurs
    twice in the code, boilerplate or not (copydetect 0.5.0). Removing the hashes here keeps the
    meaning without that.
    """

    def __init__(self, code: str, k: int, drop: Iterable[int] = (), *, fp: Any = None) -> None:
        self.code = code
        self.k = k
        self._fp = _code_fingerprint(code, k) if fp is None else fp
        self.all_hashes: frozenset[int] = frozenset(int(h) for h in self._fp.hashes)
        self.drop(drop)

    def drop(self, hashes: Iterable[int]) -> Fingerprint:
        """Set ``hashes`` aside (handed-out or common k-grams), in place; returns ``self``."""
        from copydetect.utils import get_token_coverage  # type: ignore[import-untyped]

        gone = set(hashes) & set(self._fp.hashes)
        if gone:
            fp = self._fp
            fp.hashes = {h for h in fp.hashes if h not in gone}
            fp.hash_idx = {h: i for h, i in fp.hash_idx.items() if h not in gone}
            fp.token_coverage = get_token_coverage(fp.hash_idx, self.k, len(fp.filtered_code))
        return self

    def copy(self) -> Fingerprint:
        new = object.__new__(Fingerprint)
        new.code, new.k, new.all_hashes = self.code, self.k, self.all_hashes
        new._fp = object.__new__(type(self._fp))
        new._fp.__dict__.update(self._fp.__dict__)
        return new

    @property
    def hashes(self) -> set[int]:
        return self._fp.hashes

    @property
    def size(self) -> int:
        """Characters of filtered code covered by the k-grams kept."""
        return int(self._fp.token_coverage)

    def compare(self, other: Fingerprint) -> tuple[float, float, Any, Any]:
        """(score of self, score of other, matched character slices of self, of other) from
        copydetect."""
        from copydetect import compare_files  # type: ignore[import-untyped]

        if not self.hashes or not other.hashes:
            return 0.0, 0.0, None, None
        _, (s1, s2), (sl1, sl2) = compare_files(self._fp, other._fp)
        return float(s1), float(s2), sl1, sl2

    def shared(self, other: Fingerprint) -> float:
        """Fraction of this code's distinct k-grams that ``other`` has too."""
        return len(self.hashes & other.hashes) / max(len(self.hashes), 1)


def _code_fingerprint(code: str, k: int) -> Any:
    from copydetect import CodeFingerprint

    # window 1: every k-gram is kept (copydetect's default when the guarantee threshold equals
    # the noise threshold), which also keeps the scores independent of Python's hash seed
    return CodeFingerprint("cell.py", k, 1, fp=io.StringIO(code), language="python")


def _job(item: tuple[str, int]) -> tuple[str, Any]:
    code = normalise(item[0])
    return code, _code_fingerprint(code, item[1])


def fingerprints(
    sources: Iterable[str], k: int, workers: int | None = None
) -> dict[str, Fingerprint]:
    """source -> :class:`Fingerprint` of its normalised code, each distinct source once; in
    ``workers`` processes (default: the CPU count) when there are many (tokenising with pygments
    is most of the check's time)."""
    todo = sorted(set(sources))
    workers = workers or min(os.cpu_count() or 1, 16)
    if workers > 1 and len(todo) >= 200:
        import concurrent.futures

        with concurrent.futures.ProcessPoolExecutor(workers) as pool:
            done = list(pool.map(_job, [(s, k) for s in todo], chunksize=16))
    else:
        done = [_job((s, k)) for s in todo]
    return {s: Fingerprint(code, k, fp=fp) for s, (code, fp) in zip(todo, done, strict=True)}


def _match(
    student: str,
    gid: str,
    source: str,
    fp: Fingerprint,
    other: Fingerprint,
    scores: tuple[float, float],
    slices: tuple[Any, Any],
) -> Match:
    """A flagged match, with the matched lines of both sides."""
    return Match(
        student,
        gid,
        source,
        scores[0],
        scores[1],
        fp.code,
        other.code,
        _lines(fp.code, slices[0]),
        _lines(other.code, slices[1]),
    )


def _lines(code: str, slices: Any) -> frozenset[int]:
    """Line numbers (0-based) of ``code`` that the character ``slices`` (2 x n) touch."""
    if slices is None or np.asarray(slices).size == 0:
        return frozenset()
    slices = np.asarray(slices)
    if slices.size == 0:
        return frozenset()
    rows = code.split("\n")
    starts = np.cumsum([0] + [len(r) + 1 for r in rows])
    out: set[int] = set()
    for a, b in zip(slices[0], slices[1], strict=True):
        first = int(np.searchsorted(starts, a, side="right")) - 1
        last = int(np.searchsorted(starts, max(int(b) - 1, int(a)), side="right")) - 1
        out.update(range(first, min(last, len(rows) - 1) + 1))
    return frozenset(i for i in out if rows[i].strip())


# -- what the student's cells are compared with ---------------------------------------------------


def _meta(cell: Any) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def answer_cells(nb: Any) -> dict[str, str]:
    """grade_id -> source of the answer cells (code cells with ``nbgrader.solution``)."""
    return {
        _meta(c)["grade_id"]: c.get("source", "")
        for c in nb.get("cells", [])
        if c.get("cell_type") == "code" and _meta(c).get("solution") and _meta(c).get("grade_id")
    }


def _dotted(node: ast.AST) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(parts)]
    return None


def convkit_names(source: str) -> set[str]:
    """Dotted paths (``convkit.functional.conv.corr2d``) of what ``source`` uses from convkit."""
    text = "\n".join(
        line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))
    )
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "convkit":
                    aliases[a.asname or "convkit"] = a.name if a.asname else "convkit"
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and (node.module or "").split(".")[0] == "convkit"
        ):
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    used = set()
    for node in ast.walk(tree):
        chain = _dotted(node) if isinstance(node, (ast.Attribute, ast.Name)) else None
        if chain and chain[0] in aliases:
            used.add(".".join([aliases[chain[0]], *chain[1:]]))
    return used


def _resolve(path: str) -> Any:
    """The object at a dotted path (``convkit.functional.conv.corr2d``), or None."""
    parts = path.split(".")
    obj: Any
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for p in parts[i:]:
            obj = getattr(obj, p, None)
            if obj is None:
                return None
        return obj
    return None


def _is_code(obj: Any) -> bool:
    return (inspect.isfunction(obj) or inspect.isclass(obj)) and str(
        getattr(obj, "__module__", "")
    ).split(".")[0] == "convkit"


def reference_source(obj: Any, depth: int = 2) -> str:
    """The source of ``obj`` and of the convkit functions and classes it uses, ``depth`` calls
    deep (``conv2d`` is one line that calls ``_conv_nd``)."""
    seen: dict[int, str] = {}

    def visit(o: Any, d: int) -> None:
        if id(o) in seen:
            return
        try:
            src = inspect.getsource(o)
        except (OSError, TypeError):
            return
        seen[id(o)] = src
        if d == 0:
            return
        module = importlib.import_module(o.__module__)
        try:
            tree = ast.parse(inspect.cleandoc(src) if src[:1].isspace() else src)
        except SyntaxError:
            return
        for node in ast.walk(tree):
            chain = _dotted(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
            if not chain:
                continue
            target: Any = module.__dict__.get(chain[0])
            for p in chain[1:]:
                target = getattr(target, p, None)
            if _is_code(target):
                visit(target, d - 1)

    visit(obj, depth)
    return "\n\n".join(seen.values())


def references(source_dir: Path) -> dict[str, dict[str, str]]:
    """grade_id -> {label: normalised code} of what each answer is compared with: the convkit
    code its test cells use (``test_<id>`` and ``test_<id>__*``), any convkit function or class
    named like the answer, and the source notebook's solution cell."""
    import nbformat

    out: dict[str, dict[str, str]] = {}
    for path in sorted(Path(source_dir).glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        answers = answer_cells(nb)
        for gid, src in answers.items():
            out.setdefault(gid, {})["solution"] = normalise(src)
        for cell in nb.cells:
            meta = _meta(cell)
            gid = str(meta.get("grade_id", ""))
            if cell.cell_type != "code" or not meta.get("grade") or not gid.startswith("test_"):
                continue
            owner = gid.removeprefix("test_").split("__")[0]
            if owner not in answers:
                continue
            for name in sorted(convkit_names(cell.source)):
                obj = _resolve(name)
                if _is_code(obj):
                    label = f"{obj.__module__}.{obj.__qualname__}"
                    out[owner].setdefault(label, normalise(reference_source(obj)))
        named = _convkit_by_name()
        for gid in answers:
            for obj in named.get(gid, []):
                label = f"{obj.__module__}.{obj.__qualname__}"
                out[gid].setdefault(label, normalise(reference_source(obj)))
    return out


@functools.lru_cache(maxsize=1)
def _convkit_by_name() -> dict[str, list]:
    """name -> the functions and classes of that name defined in convkit's modules (a graded
    answer named like one is compared with it even when its tests do not call it)."""
    import pkgutil

    import convkit

    out: dict[str, list] = {}
    for info in pkgutil.walk_packages(convkit.__path__, "convkit."):
        try:
            module = importlib.import_module(info.name)
        except Exception:  # an optional dependency missing: that module has no references
            continue
        for name, obj in vars(module).items():
            if _is_code(obj) and obj.__module__ == info.name and obj.__name__ == name:
                out.setdefault(name, []).append(obj)
    return out


# -- the check ------------------------------------------------------------------------------------


def check(
    assignment: str,
    submissions: Mapping[str, Mapping[str, str]],
    refs: Mapping[str, Mapping[str, str]],
    handout: Mapping[str, str],
    thresholds: Thresholds | None = None,
    workers: int | None = None,
) -> Report:
    """Compare every student's answer cells with the references and with each other.

    Args:
        assignment: the assignment's name (for the review's title).
        submissions: student -> grade_id -> source of the answer cell as submitted.
        refs: grade_id -> label -> normalised reference code (:func:`references`).
        handout: grade_id -> source of the released cell (its k-grams never count).
        thresholds: the cut-offs (default :class:`Thresholds`).
        workers: processes that fingerprint the cells (default: the CPU count, at most 16).

    Returns:
        the :class:`Report`, one :class:`Match` per flagged (student, cell, source): the best
        reference per cell, and every other student past the pair threshold.
    """
    import time

    from scipy import sparse

    t = thresholds or Thresholds()
    start = time.perf_counter()
    matches: list[Match] = []
    submissions = {
        s: {g: src[: t.max_chars] for g, src in cells.items()} for s, cells in submissions.items()
    }
    gids = sorted({g for cells in submissions.values() for g in cells})
    printed = fingerprints(
        [src for cells in submissions.values() for src in cells.values()], t.noise, workers
    )
    for gid in gids:
        drop = Fingerprint(normalise(handout.get(gid, "")), t.noise).all_hashes
        fps = {
            s: printed[cells[gid]].copy().drop(drop)
            for s, cells in sorted(submissions.items())
            if gid in cells
        }
        big = {s: fp for s, fp in fps.items() if fp.size >= t.min_chars}
        # (a) the reference and the solution
        ref_fps = [(label, Fingerprint(code, t.noise)) for label, code in refs.get(gid, {}).items()]
        for s, fp in big.items():
            best = None
            for label, rfp in ref_fps:
                limit = t.solution if label == "solution" else t.reference
                if t.prefilter and fp.shared(rfp) * t.noise < limit:
                    continue
                s1, s2, sl1, sl2 = fp.compare(rfp)
                if s1 >= limit and (best is None or s1 > best[3]):
                    best = (label, rfp, s1, s2, sl1, sl2)
            if best is not None:
                label, rfp, s1, s2, sl1, sl2 = best
                matches.append(_match(s, gid, label, fp, rfp, (s1, s2), (sl1, sl2)))
        # (b) every other student: k-grams of many students are common idioms
        names = sorted(big)
        if len(names) < 2:
            continue
        counts: dict[int, int] = {}
        for s in names:
            for h in big[s].hashes:
                counts[h] = counts.get(h, 0) + 1
        limit = max(t.common_min, t.common_fraction * len(names))
        common = {h for h, n in counts.items() if n > limit}
        peers = {s: big[s].copy().drop(common) if common else big[s] for s in names}
        index = {h: i for i, h in enumerate(sorted(set(counts) - common))}
        rows, cols = [], []
        for r, s in enumerate(names):
            for h in peers[s].hashes:
                rows.append(r)
                cols.append(index[h])
        m = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(names), len(index))
        )
        shared = sparse.triu(m @ m.T, k=1).tocoo()
        sizes = np.array([max(len(peers[s].hashes), 1) for s in names])
        for a, b, n in zip(shared.row, shared.col, shared.data, strict=True):
            if t.prefilter and n * t.noise < t.pair * max(sizes[a], sizes[b]):
                continue
            fa, fb = peers[names[a]], peers[names[b]]
            if fa.size < t.min_chars or fb.size < t.min_chars:
                continue
            s1, s2, sl1, sl2 = fa.compare(fb)
            if min(s1, s2) >= t.pair:
                sa, sb = names[a], names[b]
                matches.append(_match(sa, gid, f"student:{sb}", fa, fb, (s1, s2), (sl1, sl2)))
                matches.append(_match(sb, gid, f"student:{sa}", fb, fa, (s2, s1), (sl2, sl1)))
    return Report(assignment, t, matches, len(submissions), len(gids), time.perf_counter() - start)


def read_submissions(folders: Mapping[str, Path]) -> dict[str, dict[str, str]]:
    """student -> grade_id -> answer source, from each student's submitted notebooks (unreadable
    notebooks are left out: the grader reports them)."""
    import nbformat

    out: dict[str, dict[str, str]] = {}
    for student, folder in sorted(folders.items()):
        cells: dict[str, str] = {}
        for path in sorted(Path(folder).glob("*.ipynb")):
            try:
                cells.update(answer_cells(nbformat.read(str(path), as_version=4)))
            except Exception:  # invalid JSON or notebook: already a status of its own
                continue
        out[student] = cells
    return out


def check_course(
    course: Path,
    assignment: str,
    dirs: Mapping[str, Path],
    students: Iterable[str],
    thresholds: Thresholds | None = None,
    workers: int | None = None,
) -> Report:
    """:func:`check` on the submissions of ``students`` in a course folder (``dirs`` as
    :func:`autograder.batch.course_dirs` gives them), then writes ``similarity-<assignment>.md``
    into ``course``."""
    import nbformat

    handout: dict[str, str] = {}
    for path in sorted((Path(dirs["release"]) / assignment).glob("*.ipynb")):
        handout.update(answer_cells(nbformat.read(str(path), as_version=4)))
    subs = read_submissions({s: Path(dirs["submitted"]) / s / assignment for s in students})
    report = check(
        assignment,
        subs,
        references(Path(dirs["source"]) / assignment),
        handout,
        thresholds,
        workers,
    )
    (Path(course) / f"similarity-{assignment}.md").write_text(report.review())
    return report
