"""The *handout* copy of convkit: the helper modules a grading kernel may import, no reference.

An assignment's setup cells hand the student some of convkit's helpers (data loaders, the
pretrained network, training loops); its hidden tests compare the answers against convkit's
reference implementations. The grading kernel needs the first, never the second: in handout mode
(:func:`autograder.sandbox.box_config` with ``handout=...``) the class command writes, per class
run, a copy of convkit that holds only

* the modules listed for the assignment in :data:`HANDOUT` (what its setup cells import),
* the convkit modules those import, directly or inside a function (:func:`closure`),
* ``convkit._validation``, and
* a generated ``__init__.py`` per package that re-exports only what is present
  (:func:`package_init`),

and binds it read-only where the kernel's ``PYTHONPATH`` finds convkit. Importing a reference
module in that kernel raises ``ModuleNotFoundError`` and its source is not on disk there.

The lists are explicit and checked (``tests/test_autograder_handout.py``): every cell of a
released notebook that is neither an answer nor a test imports only handout modules, and no
module of an assignment's handout is one of its *reference modules* (:func:`reference_modules`:
the modules that define a graded answer's name, or that its hidden tests import from).
"""

from __future__ import annotations

import ast
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "ALWAYS",
    "HANDOUT",
    "build",
    "closure",
    "default_handout",
    "installed_copies",
    "handout_modules",
    "imports_of",
    "reference_modules",
    "resolve",
]

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "convkit"

#: The convkit modules each assignment's setup cells import, and those whose functions its tests
#: run on a student's model with ``convgrade.run_with_model`` (module names, not packages; the
#: modules these import are added by :func:`closure`). Every assignment of ``solutions/`` has an
#: entry, empty when its kernel needs nothing of convkit.
HANDOUT: dict[str, tuple[str, ...]] = {
    "01-why-convolution": ("convkit.functional.conv",),
    "02-convolution-layers": (),
    "03-pooling": (),
    "04-receptive-fields": ("convkit.formulas.measured_field",),
    "05-grouped-depthwise-dilated": (),
    "06-one-by-one-convolution": (),
    "07-3d-convolution": ("convkit.data.clips", "convkit.training.clips", "convkit.models.macs"),
    "08-transposed-convolution": (),
    "09-lenet-to-resnet": (
        "convkit.data.mnist",
        "convkit.formulas.measured_field",
        "convkit.models.macs",
    ),
    "10-data-augmentation": (),
    "11-dropout": (),
    "12-transfer-learning": (
        "convkit.data.images",
        "convkit.training.pretrain",
        "convkit.training.fewlabel",
    ),
}

#: Modules every handout holds (argument checks, no reference code).
ALWAYS: tuple[str, ...] = ("convkit._validation",)


def default_handout(assignment: str | None = None) -> bool:
    """Whether a class run gives the kernel the handout copy when not told otherwise: when the
    assignment has a :data:`HANDOUT` list (an assignment a course adds sees all of convkit until
    it has one). The hidden tests run in a trusted process (:mod:`autograder.twoprocess`), so the
    student's kernel never needs the references."""
    return assignment is None or assignment in HANDOUT


def installed_copies(root: Path = REPO) -> list[Path]:
    """Copies of convkit installed in the Python environment (``site-packages/convkit`` of a
    non-editable install), other than ``root``'s own: in handout mode the sandbox binds the
    handout copy over them."""
    import site
    import sysconfig

    dirs = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")} | set(site.getsitepackages())
    own = os.path.realpath(Path(root) / PACKAGE)
    out = []
    for d in sorted(dirs):
        p = Path(d) / PACKAGE
        if p.is_dir() and os.path.realpath(p) != own:
            out.append(p)
    return out


def _path(module: str, root: Path) -> Path:
    return Path(root, *module.split("."))


def is_package(module: str, root: Path = REPO) -> bool:
    return (_path(module, root) / "__init__.py").is_file()


def is_module(module: str, root: Path = REPO) -> bool:
    """A plain module (a ``.py`` file, not a package)."""
    return _path(module, root).with_suffix(".py").is_file()


def _source(module: str, root: Path) -> str:
    p = _path(module, root)
    return ((p / "__init__.py") if is_package(module, root) else p.with_suffix(".py")).read_text()


def resolve(module: str, name: str, root: Path = REPO) -> str:
    """The module that ``from module import name`` takes ``name`` from: a submodule of that name,
    else (for a package) where its ``__init__`` imports ``name`` from, followed to the end; the
    package itself when ``name`` is defined there (or loaded lazily), the module for a module."""
    if is_package(module, root):
        sub = f"{module}.{name}"
        if is_package(sub, root) or is_module(sub, root):
            return sub
        for node in ast.parse(_source(module, root)).body:
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    if (alias.asname or alias.name) == name and node.module.startswith(PACKAGE):
                        return resolve(node.module, alias.name, root)
    return module


def parse_cell(source: str) -> ast.Module:
    """A code cell's syntax tree, its IPython magic and shell lines (``%``, ``!``) left out when
    they keep it from parsing."""
    try:
        return ast.parse(source)
    except SyntaxError:
        lines = source.splitlines()
        return ast.parse("\n".join(ln for ln in lines if not ln.lstrip().startswith(("%", "!"))))


def imports_of(source: str, root: Path = REPO) -> set[str]:
    """The convkit modules and packages that ``source`` imports anywhere (also inside functions),
    each name followed to its module with :func:`resolve`. IPython magics are ignored."""
    out = set()
    for node in ast.walk(parse_cell(source)):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == PACKAGE}
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and node.module.split(".")[0] == PACKAGE
        ):
            out |= {resolve(node.module, a.name, root) for a in node.names}
    return out


def _package_modules(package: str, root: Path) -> set[str]:
    """Every module below ``package``."""
    out = set()
    base = _path(package, root)
    for path in base.rglob("*.py"):
        rel = path.relative_to(root).with_suffix("")
        if "__pycache__" in rel.parts:
            continue
        name = ".".join(rel.parts)
        out.add(name[: -len(".__init__")] if name.endswith(".__init__") else name)
    return {m for m in out if is_module(m, root)}


def closure(modules: Iterable[str], root: Path = REPO) -> set[str]:
    """``modules`` and :data:`ALWAYS`, plus every convkit module they import, recursively (a whole
    package imported as such counts as all its modules). Plain modules only, no packages."""
    todo = list(modules) + list(ALWAYS)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if is_package(name, root):
            todo += sorted(_package_modules(name, root))
            continue
        if not is_module(name, root):
            raise ValueError(f"{name}: no such convkit module under {root}")
        seen.add(name)
        todo += sorted(imports_of(_source(name, root), root))
    return seen


def handout_modules(assignment: str, root: Path = REPO) -> list[str]:
    """The modules of ``assignment``'s handout (:data:`HANDOUT` and :func:`closure`), sorted.

    Raises:
        KeyError: the assignment has no entry in :data:`HANDOUT`.
    """
    if assignment not in HANDOUT:
        raise KeyError(
            f"{assignment!r} has no entry in autograder.handout.HANDOUT: list the convkit modules "
            "its setup cells import (an empty tuple when none)"
        )
    return sorted(closure(HANDOUT[assignment], root))


def _present(target: str, modules: set[str]) -> bool:
    return target in modules or any(m.startswith(target + ".") for m in modules)


def package_init(package: str, modules: set[str], root: Path = REPO) -> str:
    """The ``__init__.py`` of ``package`` in a handout holding ``modules``: the original with
    every import of an absent module dropped and ``__all__`` cut down to what is left."""
    tree = ast.parse(_source(package, root))
    body: list[ast.stmt] = []
    bound: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
            node.names = [
                a
                for a in node.names
                if _present(resolve(node.module, a.name, root), modules)
                and (_present(node.module, modules) or node.module == PACKAGE)
            ]
            if not node.names:
                continue
            bound |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Import):
            node.names = [
                a
                for a in node.names
                if a.name.split(".")[0] != PACKAGE or _present(a.name, modules)
            ]
            if not node.names:
                continue
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.Assign):
            bound |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        body.append(node)
    for node in body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
            and isinstance(node.value, (ast.List, ast.Tuple))
        ):
            node.value.elts = [
                e
                for e in node.value.elts
                if not (isinstance(e, ast.Constant) and isinstance(e.value, str))
                or e.value in bound
                or _present(f"{package}.{e.value}", modules)
            ]
    tree.body = body
    head = (
        "# The handout copy of this package for the grading kernel (autograder.handout): only\n"
        "# the modules an assignment hands out are present, and only they are imported here.\n"
    )
    return head + ast.unparse(tree) + "\n"


def build(assignment: str, dest: Path, root: Path = REPO) -> Path:
    """Write ``assignment``'s handout copy of convkit to ``dest/convkit`` (replacing one that is
    there), readable by everyone (directories 0755, files 0644: the kernel may run as another
    user). Returns ``dest/convkit``."""
    modules = set(handout_modules(assignment, root))
    packages = {PACKAGE} | {
        ".".join(m.split(".")[:i]) for m in modules for i in range(1, m.count(".") + 1)
    }
    out = Path(dest) / PACKAGE
    if out.exists():
        shutil.rmtree(out)
    for pkg in sorted(packages):
        folder = _path(pkg, Path(dest))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").write_text(package_init(pkg, modules, root))
    for mod in sorted(modules):
        target = _path(mod, Path(dest)).with_suffix(".py")
        shutil.copyfile(_path(mod, root).with_suffix(".py"), target)
    for dirpath, _dirs, filenames in os.walk(out):
        os.chmod(dirpath, 0o755)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o644)
    return out


def _cells(notebook: Path):
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            yield cell, cell.get("metadata", {}).get("nbgrader", {}) or {}


def kernel_cell_imports(notebook: Path, root: Path = REPO) -> set[str]:
    """The convkit modules that ``notebook``'s cells which run in the student's kernel import:
    every code cell that is neither an answer (``solution``) nor a test (``grade``)."""
    out: set[str] = set()
    for cell, meta in _cells(notebook):
        if not meta.get("solution") and not meta.get("grade"):
            out |= imports_of(cell.source, root)
    return out


def answer_names(notebook: Path) -> set[str]:
    """Names of the functions and classes the answer cells define (the graded functions)."""
    out: set[str] = set()
    for cell, meta in _cells(notebook):
        if meta.get("solution"):
            for line in cell.source.splitlines():
                words = line.split()
                if len(words) > 1 and words[0] in ("def", "class"):
                    out.add(words[1].split("(")[0].split(":")[0])
    return out


def reference_modules(notebook: Path, root: Path = REPO) -> set[str]:
    """The reference modules of the assignment whose source notebook is ``notebook``: the convkit
    modules that define (at top level) a name an answer cell defines, and the modules its hidden
    tests import names from (a bare ``import convkit`` names no module)."""
    names = answer_names(notebook)
    out = set()
    for mod in _package_modules(PACKAGE, root):
        tree = ast.parse(_source(mod, root))
        defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        if defined & names:
            out.add(mod)
    for cell, meta in _cells(notebook):
        if meta.get("grade") and "### BEGIN HIDDEN TESTS" in cell.source:
            hidden = cell.source.split("### BEGIN HIDDEN TESTS", 1)[1]
            tree = ast.parse(hidden.split("### END HIDDEN TESTS", 1)[0])
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE):
                    for a in node.names:
                        target = resolve(node.module or "", a.name, root)
                        if is_module(target, root):
                            out.add(target)
    return out
