"""What of the course the grading kernel sees: the handout lists, and a real sandboxed kernel.

The first tests check :mod:`autograder.handout` against the notebooks (no kernel): every cell of a
released notebook that runs in the student's kernel (neither an answer nor a test) imports only
its assignment's handout modules, and no handout holds a reference module of its assignment.

The others start the grading kernel as the class command does (the kernelspec, the launcher,
bwrap, the kernel user when grading as root) and run code in it (they need bubblewrap, as the
other sandbox tests do):

* a world-readable second clone of the course outside the course folder is not visible;
* in handout mode, importing a reference module fails and its source is not on disk;
* the imports of every assignment's setup cells work in its handout kernel;
* chapter 12's pretrained weights are read from the copied cache (no training), also when the
  grader's cache file is 0600 and the kernel runs as ``nobody``; a link in the cache is not
  followed.
"""

from __future__ import annotations

import ast
import os
import secrets
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import handout, sandbox
from autograder.config import SANDBOX_ENV
from tests.grading import harness as h

REPO = h.REPO
AS_ROOT = os.geteuid() == 0


def _source(a: str) -> Path:
    return next((REPO / "solutions" / a).glob("*.ipynb"))


def _release(a: str) -> Path:
    return next((REPO / "exercises" / a).glob("*.ipynb"))


@pytest.mark.parametrize("assignment", h.assignments())
def test_every_assignment_has_an_explicit_handout_list(assignment):
    assert assignment in handout.HANDOUT
    for mod in handout.HANDOUT[assignment]:
        assert handout.is_module(mod), mod


@pytest.mark.parametrize("assignment", h.assignments())
def test_kernel_cells_import_only_handout_modules(assignment):
    present = set(handout.handout_modules(assignment))
    needed = handout.kernel_cell_imports(_source(assignment)) | handout.kernel_cell_imports(
        _release(assignment)
    )
    missing = sorted(n for n in needed if not handout._present(n, present))
    assert not missing, f"{assignment}: setup cells import {missing}, not in its handout"


def _run_with_model_targets(notebook: Path) -> set[str]:
    """The modules named by ``run_with_model("module:function", ...)`` calls in a notebook."""
    found = set()
    for cell, _meta in handout._cells(notebook):
        for node in ast.walk(handout.parse_cell(cell.source)):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "run_with_model"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value.partition(":")[0])
    return found


@pytest.mark.parametrize("assignment", h.assignments())
def test_helpers_run_on_a_students_model_are_in_the_handout(assignment):
    """A test's ``run_with_model`` runs its helper in the student's kernel when the model is the
    student's own class: the helper's module must be there."""
    present = set(handout.handout_modules(assignment))
    targets = _run_with_model_targets(_source(assignment))
    missing = sorted(t for t in targets if t.startswith("convkit") and t not in present)
    assert not missing, f"{assignment}: run_with_model targets {missing} not in its handout"


def test_the_run_with_model_finder_sees_chapter_07():
    assert {"convkit.training.clips", "convkit.models.macs"} <= _run_with_model_targets(
        _source("07-3d-convolution")
    )


@pytest.mark.parametrize("assignment", h.assignments())
def test_no_handout_holds_a_reference_of_its_assignment(assignment):
    refs = handout.reference_modules(_source(assignment))
    assert refs, f"{assignment}: no reference module found (graded names or hidden imports)"
    assert not refs & set(handout.handout_modules(assignment)), assignment


def test_the_reference_finder_sees_the_split_modules():
    assert "convkit.training.transfer" in handout.reference_modules(_source("12-transfer-learning"))
    assert "convkit.formulas.receptive_field" in handout.reference_modules(
        _source("04-receptive-fields")
    )
    twelve = handout.handout_modules("12-transfer-learning")
    assert "convkit.training.fewlabel" in twelve and "convkit.training.transfer" not in twelve


def test_the_handout_copy_holds_only_its_modules_and_is_world_readable(tmp_path):
    out = handout.build("12-transfer-learning", tmp_path)
    files = sorted(str(p.relative_to(tmp_path)) for p in out.rglob("*.py"))
    assert "convkit/training/transfer.py" not in files
    assert "convkit/functional/conv.py" not in files and "convkit/training/fewlabel.py" in files
    modules = {f[:-3].replace("/", ".") for f in files if not f.endswith("__init__.py")}
    assert modules == set(handout.handout_modules("12-transfer-learning"))
    for p in [out, *out.rglob("*")]:
        assert stat.S_IMODE(p.stat().st_mode) == (0o755 if p.is_dir() else 0o644), p
    init = ast.parse((out / "__init__.py").read_text())
    imported = {n.module for n in ast.walk(init) if isinstance(n, ast.ImportFrom)}
    assert imported == {"convkit.functional"}, imported  # interpolate only: its module is there


def test_unknown_assignments_must_be_listed():
    with pytest.raises(KeyError, match="HANDOUT"):
        handout.handout_modules("13-not-listed")


# --- a real sandboxed kernel ----------------------------------------------------------------


class SandboxKernel:
    """The grading kernel as the class command starts it (launcher, bwrap, kernel user)."""

    def __init__(self, work: Path, assignment: str, *, handout_on: bool, env: dict | None = None):
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpecManager

        from autograder.batch import course_view

        share = work / "share"
        sandbox.write_kernelspec(share, True)
        view = course_view(REPO, handout_on)
        self.box = sandbox.box_config(work, **view, assignment=assignment)
        cwd = work / "student"
        cwd.mkdir()
        kenv = dict(os.environ, **(env or {}))
        kenv.update(
            PYTHONPATH=str(REPO),
            JUPYTER_PATH=str(share),
            JUPYTER_RUNTIME_DIR=str(work),
            **{SANDBOX_ENV: self.box.to_json()},
        )
        kenv.pop("AUTOGRADER_GUARD", None)
        self.km = KernelManager(
            kernel_name=sandbox.KERNEL_NAME,
            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(share / "kernels")]),
            transport="ipc",
            ip=str(work / "sock" / "kernel"),
        )
        self.km.start_kernel(cwd=str(cwd), env=kenv)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)

    def run(self, code: str, timeout: float = 120) -> str:
        out: list[str] = []

        def hook(msg):
            c = msg["content"]
            if msg["msg_type"] == "stream":
                out.append(c["text"])
            elif msg["msg_type"] == "error":
                out.append(f"ERROR {c['ename']}: {c['evalue']}\n")

        self.kc.execute_interactive(code, output_hook=hook, timeout=timeout)
        return "".join(out)

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


@pytest.fixture
def kernel(tmp_path):
    kernels = []

    def start(assignment: str, handout_on: bool = True, env: dict | None = None) -> SandboxKernel:
        work = Path(f"/tmp/ag-t-{secrets.token_hex(3)}")  # short: unix socket paths are limited
        work.mkdir()
        k = SandboxKernel(work, assignment, handout_on=handout_on, env=env)
        kernels.append((k, work))
        return k

    yield start
    for k, work in kernels:
        k.close()
        shutil.rmtree(work, ignore_errors=True)


def test_a_second_clone_of_the_course_is_invisible(kernel):
    clone = Path(f"/var/tmp/ag-course-copy-{secrets.token_hex(3)}")
    try:
        for d in ("solutions", "convkit"):
            shutil.copytree(REPO / d, clone / d)
        os.chmod(clone, 0o755)
        k = kernel("02-convolution-layers", handout_on=False)
        out = k.run(
            "import os\n"
            f"print('clone', os.path.exists({str(clone)!r}))\n"
            "for p in ('/home', '/srv', '/opt', '/mnt', '/media', '/var', '/etc/shadow'):\n"
            "    print(p, os.path.exists(p))\n"
            f"_s = {str(REPO / 'solutions')!r}\n"
            "print('solutions', os.listdir(_s) if os.path.exists(_s) else None)\n"
            "print('uid', os.getuid())\n"
        )
    finally:
        shutil.rmtree(clone)
    # the course's own solutions/: not mounted, or an empty folder (a hidden path)
    assert "clone False" in out and ("solutions None" in out or "solutions []" in out), out
    for p in ("/home", "/srv", "/opt", "/mnt", "/media", "/var", "/etc/shadow"):
        assert f"{p} False" in out, out
    if AS_ROOT:
        assert "uid 0" not in out, out


def _reference_files(module: str) -> list[str]:
    """Where the host keeps the source of ``module``: the course, and an editable install's
    target (``__editable__`` finder) or a site-packages copy."""
    rel = Path(*module.split(".")).with_suffix(".py")
    places = [REPO / rel]
    for d in map(Path, sys.path):
        if (d / rel).exists():
            places.append(d / rel)
        for finder in d.glob("__editable___convkit*_finder.py") if d.is_dir() else []:
            for line in finder.read_text().splitlines():
                if line.startswith("MAPPING"):
                    mapping = ast.literal_eval(line.split("=", 1)[1].strip())
                    places.append(Path(mapping["convkit"]).parent / rel)
    return sorted({str(p) for p in places})


@pytest.mark.parametrize(
    "assignment, reference",
    [
        ("12-transfer-learning", "convkit.training.transfer"),
        ("04-receptive-fields", "convkit.formulas.receptive_field"),
        ("01-why-convolution", "convkit.functional.equivariance"),
    ],
)
def test_reference_source_and_import_fail_in_the_handout_kernel(kernel, assignment, reference):
    files = _reference_files(reference)
    assert any(os.path.exists(f) for f in files)  # on the host they are there
    k = kernel(assignment)
    out = k.run(
        "import importlib, os\n"
        f"for f in {files!r}:\n"
        "    print('exists', f, os.path.exists(f))\n"
        "try:\n"
        f"    importlib.import_module({reference!r})\n"
        "    print('IMPORTED')\n"
        "except ImportError as e:\n"
        "    print('import failed', type(e).__name__)\n"
        "import convkit\n"
        "print('convkit at', convkit.__file__)\n"
    )
    assert "import failed ModuleNotFoundError" in out and "IMPORTED" not in out, out
    assert " True" not in out, out
    assert f"convkit at {REPO / 'convkit' / '__init__.py'}" in out, out


@pytest.mark.parametrize("assignment", [a for a in h.assignments() if handout.HANDOUT[a]])
def test_the_setup_imports_of_every_assignment_work_in_its_handout_kernel(kernel, assignment):
    lines = []
    for path in (_source(assignment), _release(assignment)):
        for cell, meta in handout._cells(path):
            if meta.get("solution") or meta.get("grade"):
                continue
            tree = ast.parse(cell.source)
            lines += [
                ast.unparse(n)
                for n in ast.walk(tree)
                if isinstance(n, (ast.Import, ast.ImportFrom))
                and (getattr(n, "module", None) or n.names[0].name).startswith("convkit")
            ]
    assert lines, assignment
    k = kernel(assignment)
    out = k.run("\n".join(dict.fromkeys(lines)) + "\nprint('imported')\n", timeout=300)
    assert out.strip().endswith("imported") and "ERROR" not in out, out


def test_the_weights_cache_is_read_in_the_sandbox_without_training(kernel, monkeypatch):
    cache = Path(f"/var/tmp/ag-cache-{secrets.token_hex(3)}")
    secret = Path(f"/var/tmp/ag-secret-{secrets.token_hex(3)}")
    try:
        cache.mkdir(mode=0o700)
        # trains once, outside the sandbox, as the grader's own Python would
        made = subprocess.run(
            [sys.executable, "-c", "from convkit.training.pretrain import PretrainConfig, "
             f"load_pretrained as f; print(f(PretrainConfig(epochs=1), directory={str(cache)!r})"
             "[1]['path'])"],
            env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True,
            timeout=300, check=True,
        )
        path = Path(made.stdout.strip().splitlines()[-1])
        assert path.parent == cache and path.is_file(), made.stdout
        path.chmod(0o600)  # the grader's file: the kernel's user could not read it in place
        secret.write_text("grader-secret")
        secret.chmod(0o600)
        (cache / "pretrained-link.pt").symlink_to(secret)
        monkeypatch.setenv("CONVKIT_CACHE", str(cache))  # the grader's cache (box_config reads it)
        k = kernel("12-transfer-learning")
        assert k.box.setenv == (("CONVKIT_CACHE", sandbox.WEIGHTS_DIR),)
        out = k.run(
            "import os, time\n"
            "from convkit.training.pretrain import PretrainConfig, load_pretrained\n"
            "t = time.perf_counter()\n"
            "net, info = load_pretrained(PretrainConfig(epochs=1))\n"
            "print('from_cache', info['from_cache'], info['path'])\n"
            "print('seconds', round(time.perf_counter() - t, 1))\n"
            "print('files', sorted(os.listdir(os.environ['CONVKIT_CACHE'])))\n"
            f"print('cache visible', os.path.exists({str(cache)!r}))\n"
            "print('uid', os.getuid())\n"
        )
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        secret.unlink(missing_ok=True)
    assert f"from_cache True {sandbox.WEIGHTS_DIR}/{path.name}" in out, out
    assert f"files ['{path.name}']" in out, out  # the link was not copied
    assert "cache visible False" in out and "grader-secret" not in out, out
    if AS_ROOT:
        assert "uid 0" not in out, out


def test_weights_copy_skips_links_and_empty_caches(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    assert sandbox.weights_copy(tmp_path / "a", src) is None
    (src / "pretrained-x.pt").write_bytes(b"w")
    (src / "pretrained-x.pt").chmod(0o600)
    (src / "pretrained-l.pt").symlink_to(src / "pretrained-x.pt")
    (src / "other.txt").write_text("no")
    out = sandbox.weights_copy(tmp_path / "b", src)
    assert out is not None
    assert sorted(p.name for p in out.iterdir()) == ["pretrained-x.pt"]
    assert stat.S_IMODE((out / "pretrained-x.pt").stat().st_mode) == 0o644
