"""The grading kernel's resource limits and unprivileged user, through the real class command.

One class is graded by ``python -m autograder grade`` (real nbgrader, bwrap) with small limits:
``--cpu-seconds 8 --memory-gb 3 --file-mb 16 --max-procs 64`` and a cell timeout of 60 s, so a
CPU burner meets the CPU-time rlimit long before the cell timeout. It is graded two students at a
time (``--jobs 2``), so every offender runs beside another student; what the tests expect is what
a sequential run gives. Two honest students (one graded before the offenders, one after the fork
bomb) keep full marks; each offender is reported with the limit it hit, never as a silent 0:

* ``cpu-burner`` (a loop at the top of its answer cell): the kernel is stopped by SIGXCPU, the
  student is ``crashed`` and the reason names the CPU-time limit;
* ``memory-hog`` (an 8 GiB array inside ``relu``): ``MemoryError``, ``test_relu`` scores 0, the
  reason names the memory limit and the cell;
* ``fork-bomb`` (forks until it cannot, every child stays): ``fork`` fails after fewer than 64
  forks, ``test_relu`` scores 0, the reason names the process limit; the student graded next
  (``zoe``) is not affected; the process limit counts every process of the kernel's user, the
  neighbour's kernel included, so that student is graded again alone at the end of the run
  (:func:`autograder.batch.may_owe_to_neighbours`);
* ``big-file`` (64 MiB written from ``relu``): ``File too large``, ``test_relu`` scores 0;
* ``tamper-grader`` appends code to the grader's nbgrader config and kernelspec (their paths are in
  the kernel's environment): neither is visible in the sandbox, later students are graded as usual;
* ``root-secret`` reads a root-only file the test made outside the course (0600, under
  ``/var/tmp``) and ``/etc/shadow``: neither is mounted in the sandbox (``No such file``), and
  when grading as root the kernel runs as the unprivileged ``--kernel-user`` besides; the secret
  never reaches the graded notebook.

The kernel user is a uid of its own (from this process's id), so the process limit, which counts
all processes of that uid, does not depend on what else runs as ``nobody`` on the machine.
"""

from __future__ import annotations

import csv
import os
import re
import secrets
import shutil
import stat
from pathlib import Path

import pytest

from autograder import bwrap, sandbox
from tests.adversarial import fixture as fx
from tests.adversarial.test_adversarial import cell_scores, run_grade

pytestmark = pytest.mark.xdist_group("limits")
grading = pytest.mark.grading  # the tests that grade the class (the others are quick unit checks)

KERNEL_UID = 60000 + os.getpid() % 5000
LIMITS = ["--cpu-seconds", "8", "--memory-gb", "3", "--file-mb", "16", "--max-procs", "64"]
RELU = fx._strip(fx.RELU)
AS_ROOT = os.geteuid() == 0
# numpy's BLAS starts a thread per core (each counts against --max-procs and reserves address space):
# keep the honest kernels the same size on a many-core CI machine as here.
FEW_THREADS = {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}


def offenders(secret_path: Path, marker: Path) -> dict:
    reader = RELU + (
        "\nimport os\nprint('kernel uid', os.getuid())\n"
        f"for _p in ({str(secret_path)!r}, '/etc/shadow'):\n"
        "    try:\n        print('read', _p, open(_p).read())\n"
        "    except OSError as e:\n        print('blocked', _p, e)")
    return {
        "cpu-burner": {"relu": "while True:\n    pass"},
        "memory-hog": {"relu": ("def relu(x):\n    _big = np.zeros((1024, 1024, 1024))  # 8 GiB\n"
                                "    return np.maximum(np.asarray(x, dtype=float), 0.0)")},
        "fork-bomb": {"relu": ("import os, time\n_forked = 0\ntry:\n    while True:\n"
                               "        if os.fork() == 0:\n            time.sleep(3600)  # every child stays\n"
                               "        _forked += 1\nfinally:\n    print('forked', _forked)")},
        "big-file": {"relu": ("def relu(x):\n    with open('big.bin', 'wb') as f:\n"
                              "        f.write(b'0' * (64 << 20))\n"
                              "    return np.maximum(np.asarray(x, dtype=float), 0.0)")},
        "root-secret": {"relu": reader},
        "tamper-grader": {"relu": RELU + (
            "\nimport os\n"
            "for _p in (os.environ['AUTOGRADER_CONFIG'],\n"
            "           os.path.join(os.environ['JUPYTER_PATH'], 'kernels', 'convkit-grader', 'kernel.json')):\n"
            "    try:\n"
            "        with open(_p, 'a') as f:\n"
            f"            f.write({chr(10) + 'open(' + repr(str(marker)) + ', ' + repr('w') + ')' + chr(10)!r})\n"
            "        print('wrote', _p)\n"
            "    except OSError as e:\n"
            "        print('blocked', _p, e)")},
    }


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    course = fx.make_course(tmp_path_factory.mktemp("limits") / "course", cell_timeout=60)
    secret_dir = Path(f"/var/tmp/ag-secret-{secrets.token_hex(4)}")
    secret_dir.mkdir(mode=0o755)
    secret = secrets.token_hex(16)
    secret_path = secret_dir / "secret.txt"
    secret_path.write_text(secret)
    secret_path.chmod(0o600)
    try:
        fx.submit(course, "alice", fx.fill(fx.released(course)))
        for student, answers in offenders(secret_path, course.parent / "grader-config-pwned").items():
            fx.submit(course, student, fx.fill(fx.released(course), **answers))
        fx.submit(course, "zoe", fx.fill(fx.released(course)))  # graded after the fork bomb
        extra = LIMITS + (["--kernel-user", str(KERNEL_UID)] if AS_ROOT else [])
        proc = run_grade(course, *extra, "--jobs", "2", env=FEW_THREADS)
    finally:
        shutil.rmtree(secret_dir)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = {r["student_id"]: r for r in csv.DictReader(open(course / f"grades-{fx.ASSIGNMENT}.csv"))}
    return course, proc, rows, secret


def graded_text(course, student) -> str:
    return (course / "autograded" / student / fx.ASSIGNMENT / f"{fx.ASSIGNMENT}.ipynb").read_text()


def printed(course, student) -> str:
    """What the graded notebook's cells printed."""
    import nbformat

    nb = nbformat.read(course / "autograded" / student / fx.ASSIGNMENT / f"{fx.ASSIGNMENT}.ipynb", as_version=4)
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream")


@grading
def test_honest_students_keep_full_marks(limited):
    course, proc, rows, _ = limited
    for student in ("alice", "zoe"):
        assert rows[student]["status"] == "graded" and float(rows[student]["score"]) == 5.0, rows[student]
        assert rows[student]["reasons"] == "", rows[student]


@grading
def test_cpu_time_limit_stops_the_kernel_before_the_cell_timeout(limited):
    course, proc, rows, _ = limited
    row = rows["cpu-burner"]
    assert row["status"] == "crashed" and row["score"] == "", row
    assert "CPU-time limit" in row["reasons"] and "8 s" in row["reasons"] and "--cpu-seconds" in row["reasons"], row
    assert "cpu-burner: CPU-time limit" in proc.stdout


@grading
@pytest.mark.parametrize("student, limit, flag", [
    ("memory-hog", "memory limit (3 GiB", "--memory-gb"),
    ("fork-bomb", "process limit (64 processes", "--max-procs"),
    ("big-file", "file-size limit (16 MiB", "--file-mb"),
])
def test_a_limit_hit_zeroes_the_cell_and_says_which_limit(limited, student, limit, flag):
    course, proc, rows, _ = limited
    row = rows[student]
    assert row["status"] == "graded", row
    assert cell_scores(course, student) == {"test_corr2d": 2.0, "test_corr2d__shapes": 1.0, "test_relu": 0.0}
    assert float(row["score"]) == 3.0, row
    # the cell where the limit hit: the test that called relu, or (fork-bomb forks at the top of
    # its answer cell) the answer cell itself
    where = "(in relu)" if student == "fork-bomb" else "test_relu"
    assert limit in row["reasons"] and flag in row["reasons"] and where in row["reasons"], row
    assert f"{student}: {limit}" in proc.stdout  # in the summary too
    if student == "fork-bomb":  # stopped by --max-procs, not by something larger
        assert re.search(r"again, one at a time, .*: fork-bomb$", proc.stdout, re.M), proc.stdout
        forked = int(printed(course, student).split("forked ")[1].split()[0])
        assert 0 < forked < 64, forked


@grading
def test_the_kernel_cannot_read_root_only_files(limited):
    course, proc, rows, secret = limited
    out = printed(course, "root-secret")
    assert secret not in graded_text(course, "root-secret") and secret not in proc.stdout
    # neither file is mounted in the sandbox (an allowlist: /var/tmp and /etc/shadow are not on it)
    assert out.count("blocked") == 2 and "No such file or directory" in out, out
    if AS_ROOT:
        assert f"kernel uid {KERNEL_UID}" in out, out
    else:  # documented: without root the kernel runs with the grader's own rights
        assert f"kernel uid {os.getuid()}" in out, out
    assert rows["root-secret"]["status"] == "graded" and float(rows["root-secret"]["score"]) == 5.0


@grading
def test_the_grader_owns_the_autograded_folders_again(limited):
    course, proc, rows, _ = limited
    for student in ("alice", "big-file", "root-secret"):
        for path in [course / "autograded" / student, *(course / "autograded" / student).rglob("*")]:
            st = path.lstat()
            assert (st.st_uid, st.st_gid) == (os.geteuid(), os.getegid()), (path, st.st_uid)


def test_the_kernel_user_is_never_root():
    if AS_ROOT:
        with pytest.raises(ValueError, match="must not run as root"):
            sandbox.kernel_identity("root")
        with pytest.raises(ValueError, match="no such user"):
            sandbox.kernel_identity("no-such-user-here")
        assert sandbox.kernel_identity("123:456") == (123, 456)
        assert sandbox.kernel_identity(None) == (sandbox.pwd.getpwnam("nobody").pw_uid,
                                                 sandbox.pwd.getpwnam("nobody").pw_gid)
    else:
        assert sandbox.kernel_identity(None) is None
        with pytest.raises(ValueError, match="only root"):
            sandbox.kernel_identity("nobody")


def test_mount_points_inside_the_sandbox_tmpfs_are_enterable():
    args = bwrap.open_dirs(["/tmp/a/b/c", "/course/autograded/s/x"], ["/tmp", "/course"])
    dirs = [args[i + 3] for i in range(0, len(args), 4)]
    assert dirs == ["/course/autograded", "/tmp/a", "/course/autograded/s", "/tmp/a/b"]
    assert all(args[i:i + 3] == ["--perms", "0755", "--dir"] for i in range(0, len(args), 4))


def test_closed_ancestors_are_found(tmp_path):
    closed = Path("/var/tmp") / f"ag-closed-{secrets.token_hex(4)}"
    (closed / "inner").mkdir(parents=True)
    try:
        closed.chmod(0o700)
        assert bwrap.closed_ancestors([str(closed / "inner" / "x")], 65534, 65534) == [str(closed)]
        closed.chmod(0o700 | stat.S_IXOTH)
        assert bwrap.closed_ancestors([str(closed / "inner" / "x")], 65534, 65534) == []
    finally:
        shutil.rmtree(closed)


@grading
def test_the_kernel_cannot_change_the_graders_config_or_kernelspec(limited):
    course, proc, rows, _ = limited
    out = printed(course, "tamper-grader")
    assert out.count("blocked") == 2 and "wrote" not in out, out
    assert not (course.parent / "grader-config-pwned").exists()
    assert rows["zoe"]["status"] == "graded"
