"""Scan submitted code before it runs and flag constructs that have no place in an answer.

The scan never changes a grade by itself: a flagged submission is still graded, and the
flags (with their reasons) go to the instructor's summary and CSV for manual review.
Which imports are flagged is the assignment's :class:`convgrade.GradingPolicy` (the same object
the guard and the batch command read): its ``forbidden_imports`` and ``unsafe_imports``.
It also compares the submission with the release: an edited or deleted locked cell is
reported (nbgrader restores both from the gradebook before grading).
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from convgrade.policy import GradingPolicy

FORBIDDEN_CALLS = {
    "get_ipython": "uses get_ipython() (can change how later cells run)",
    "exec": "runs code from a string (exec)",
    "eval": "runs code from a string (eval)",
    "compile": "compiles code at run time (compile)",
    "__import__": "imports dynamically (__import__)",
    "globals": "reaches the notebook's global namespace (globals())",
    "breakpoint": "calls breakpoint()",
}
FORBIDDEN_ATTRS = {
    "input_transformers_post": "installs an IPython input transformer",
    "input_transformers_cleanup": "installs an IPython input transformer",
    "input_transformer_manager": "installs an IPython input transformer",
    "ast_transformers": "installs an IPython AST transformer",
    "setprofile": "replaces the profiler hook (sys/threading.setprofile)",
    "settrace": "installs a trace function (sys/threading.settrace)",
    "_getframe": "inspects the interpreter stack (sys._getframe)",
    "f_back": "walks interpreter frames",
    "f_globals": "reads another frame's globals",
    "modules": None,  # only sys.modules, checked below
    "system": None,  # only os.system
    "popen": "starts a process (os.popen)",
    "environ": None,  # only os.environ
    "__builtins__": "changes builtins",
    "__class__": None,
    "__eq__": "defines or reaches an equality operator",
    "__globals__": "reaches a function's global namespace (__globals__)",
    "__code__": "reads or replaces a function's code (__code__)",
}
#: names that only a test cell binds: an answer that uses them reaches the reference the tests
#: compare with
TEST_ONLY_NAMES = {"convkit": "refers to convkit (the reference package the hidden tests import)"}
OS_CALLS = {
    "system",
    "popen",
    "remove",
    "unlink",
    "rmdir",
    "removedirs",
    "rename",
    "replace",
    "chdir",
    "execv",
    "execve",
    "execl",
    "spawnl",
    "fork",
    "kill",
    "symlink",
    "link",
    "makedirs",
    "mkdir",
    "walk",
    "listdir",
    "scandir",
}


@dataclasses.dataclass(frozen=True, order=True)
class Flag:
    cell: str  # grade_id of the cell, or "cell N"
    line: int  # line in the cell (1-based), 0 for the whole cell
    reason: str

    def __str__(self):
        return (
            f"{self.cell}:{self.line}: {self.reason}"
            if self.line
            else f"{self.cell}: {self.reason}"
        )


#: pieces of attribute names that the scan flags when written out (FORBIDDEN_ATTRS, sys.modules,
#: os.environ, the reference package): a computed getattr name that contains one of them spells a
#: flagged attribute; any other computed name (``getattr(model, f"conv{i}")``,
#: ``setattr(self, name, layer)``) is honest code and not flagged
GUARDED_FRAGMENTS = (
    "__",
    "_getframe",
    "f_back",
    "f_globals",
    "setprofile",
    "settrace",
    "transformer",
    "modules",
    "environ",
    "system",
    "popen",
    "convkit",
)


#: modules whose attributes reach the interpreter: any computed getattr on them is flagged
GUARDED_OWNERS = ("sys", "os", "builtins", "threading", "gc", "inspect", "importlib")


def _dotted(expr: ast.AST) -> str:
    """``a.b.c`` for a chain of names and attributes, else ``""``."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        base = _dotted(expr.value)
        return f"{base}.{expr.attr}" if base else ""
    return ""


def _guarded_fragment(expr: ast.AST) -> str | None:
    """The first string constant inside ``expr`` (a computed attribute name) that contains a
    piece of a flagged name (:data:`GUARDED_FRAGMENTS`), or None."""
    for node in ast.walk(expr):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and any(piece in node.value for piece in GUARDED_FRAGMENTS)
        ):
            return node.value
    return None


def _path_outside(value: str) -> bool:
    p = Path(value)
    return p.is_absolute() or ".." in p.parts or value.startswith("~")


class _Visitor(ast.NodeVisitor):
    def __init__(self, cell: str, policy: GradingPolicy):
        self.cell = cell
        self.policy = policy
        self.flags: list[Flag] = []

    def flag(self, node, reason):
        self.flags.append(Flag(self.cell, getattr(node, "lineno", 0), reason))

    def visit_Import(self, node):
        for alias in node.names:
            if self.policy.import_flagged(alias.name):
                self.flag(node, f"imports {alias.name}")
            if alias.name in ("os", "sys"):
                pass  # their dangerous attributes are checked where they are used
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        mod = node.module or ""
        if node.level:
            self.flag(node, "relative import")
        elif self.policy.import_flagged(mod):
            self.flag(node, f"imports from {mod}")
        elif mod in ("os", "sys", "threading"):
            for alias in node.names:
                if alias.name in OS_CALLS | {
                    "setprofile",
                    "settrace",
                    "modules",
                    "_getframe",
                    "environ",
                }:
                    self.flag(node, f"imports {mod}.{alias.name}")
        self.generic_visit(node)

    def visit_Call(self, node):
        f = node.func
        if isinstance(f, ast.Name):
            if f.id in FORBIDDEN_CALLS:
                self.flag(node, FORBIDDEN_CALLS[f.id])
            elif f.id == "open" and node.args:
                self._check_open(node, node.args[0])
            elif (
                f.id in ("getattr", "setattr", "delattr")
                and len(node.args) >= 2
                and not isinstance(node.args[1], ast.Constant)
            ):
                spelled = _guarded_fragment(node.args[1])
                owner = _dotted(node.args[0])
                if owner.split(".")[-1] in GUARDED_OWNERS:
                    self.flag(node, f"{f.id}() on {owner} with a computed attribute name")
                elif spelled:
                    self.flag(
                        node,
                        f"{f.id}() with a computed attribute name built from {spelled!r} "
                        "(a name the scan looks for)",
                    )
        elif isinstance(f, ast.Attribute):
            base = f.value.id if isinstance(f.value, ast.Name) else None
            if base == "os" and f.attr in OS_CALLS:
                self.flag(node, f"uses the file system or processes (os.{f.attr})")
            if f.attr in (
                "write_text",
                "write_bytes",
                "unlink",
                "rmdir",
                "mkdir",
                "rename",
                "touch",
            ):
                self.flag(node, f"writes files (.{f.attr})")
            if f.attr in ("open",) and base in ("io", "codecs") and node.args:
                self._check_open(node, node.args[0])
        self.generic_visit(node)

    def _check_open(self, node, arg):
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            if _path_outside(arg.value):
                self.flag(node, f"opens a file outside the submission folder ({arg.value!r})")
        else:
            self.flag(node, "opens a file whose path is computed at run time")

    def visit_Attribute(self, node):
        base = node.value.id if isinstance(node.value, ast.Name) else None
        reason = FORBIDDEN_ATTRS.get(node.attr, "")
        if reason:
            self.flag(node, reason)
        elif node.attr == "modules" and (
            base == "sys" or (isinstance(node.value, ast.Attribute) and node.value.attr == "sys")
        ):
            self.flag(
                node, "reaches sys.modules"
            )  # also through another module's sys (os.sys.modules)
        elif node.attr == "environ" and base == "os":
            self.flag(node, "reads os.environ")
        elif node.attr == "system" and base == "os":
            pass  # reported by visit_Call
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in TEST_ONLY_NAMES:
            self.flag(node, TEST_ONLY_NAMES[node.id])

    def visit_FunctionDef(self, node):
        if node.name in ("__eq__", "__ne__", "__array_ufunc__", "__array_function__", "__bool__"):
            self.flag(
                node, f"defines {node.name} (an answer object that compares equal to anything?)"
            )
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str) and (
            "gradebook.db" in node.value
            or "solutions/" in node.value
            or node.value.rstrip("/") in ("solutions", "autograded", "submitted")
        ):
            self.flag(node, f"mentions grader files ({node.value[:60]!r})")


def scan_source(source: str, cell: str = "cell", policy: GradingPolicy | None = None) -> list[Flag]:
    """Flags for one cell's source under ``policy`` (default: :class:`GradingPolicy`'s defaults).
    IPython magics (lines starting with % or !) are flagged and skipped."""
    flags = []
    lines = source.splitlines()
    kept = []
    for i, line in enumerate(lines, 1):
        s = line.lstrip()
        if s.startswith(("%", "!")):
            flags.append(Flag(cell, i, f"uses an IPython magic or shell command ({s.split()[0]})"))
            kept.append("")
        else:
            kept.append(line)
    try:
        tree = ast.parse("\n".join(kept))
    except SyntaxError as err:
        flags.append(Flag(cell, err.lineno or 0, f"does not parse: {err.msg}"))
        return flags
    v = _Visitor(cell, policy if policy is not None else GradingPolicy())
    v.visit(tree)
    return sorted(set(flags + v.flags))


def normalise_source(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def scan_notebook(
    submitted: Path, release: Path | None = None, policy: GradingPolicy | None = None
) -> list[Flag]:
    """Scan every cell of a submitted notebook that is not an unchanged locked cell of the release,
    under the assignment's ``policy`` (default: :class:`GradingPolicy`'s defaults).

    Raises:
        nbformat.reader.NotJSONError / nbformat.ValidationError for an invalid notebook.
    """
    import nbformat

    nb = nbformat.read(str(submitted), as_version=4)
    nbformat.validate(nb)
    locked, unchanged = {}, set()
    if release is not None and Path(release).exists():
        rel = nbformat.read(str(release), as_version=4)
        # any cell exactly as released (e.g. a free '%matplotlib inline' cell) is instructor code
        unchanged = {normalise_source(c.source) for c in rel.cells if c.cell_type == "code"}
        locked = {
            _meta(c)["grade_id"]: c.source
            for c in rel.cells
            if _meta(c).get("locked") and _meta(c).get("grade_id")
        }
    flags = []
    seen = set()
    for i, cell in enumerate(nb.cells, 1):
        gid = _meta(cell).get("grade_id")
        name = gid or f"cell {i}"
        if gid in locked:
            seen.add(gid)
            if normalise_source(cell.source) == normalise_source(locked[gid]):
                continue
            flags.append(
                Flag(name, 0, "edited a locked cell (restored from the gradebook for grading)")
            )
        if cell.cell_type != "code" or normalise_source(cell.source) in unchanged:
            continue
        flags.extend(scan_source(cell.source, name, policy))
    for gid in sorted(set(locked) - seen):
        flags.append(
            Flag(gid, 0, "deleted a locked cell (restored from the gradebook for grading)")
        )
    return flags
