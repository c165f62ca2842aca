"""Similarity flags of the class grader (:mod:`autograder.similarity`, issue 17 item 3).

Unit tests build real notebooks with nbformat: a course folder holding the adversarial fixture's
assignment (``corr2d`` compared with ``convkit.corr2d`` in its hidden tests, and a one-line
``relu``), and the references of the real ``02-convolution-layers``. The last test grades a small
class of the real assignment end to end with ``python -m autograder grade``.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import batch
from autograder import similarity as S
from tests.adversarial import fixture as fx
from tests.grading import harness as h

REPO = Path(__file__).resolve().parents[1]
A02 = "02-convolution-layers"

# convkit.corr2d pasted at home, every name changed, comments added, checks kept
PASTED_CORR2D = '''from numpy.lib.stride_tricks import sliding_window_view
def corr2d(x, k):
    """My correlation."""
    img = np.asarray(x, dtype=float)  # my input
    ker = np.asarray(k, dtype=float).astype(img.dtype, copy=False)
    if img.ndim != 2:
        raise ValueError(f"x must be 2-D, got {img.shape}")
    if ker.shape[0] > img.shape[0] or ker.shape[1] > img.shape[1]:
        raise ValueError(f"kernel of shape {ker.shape} is larger than x of shape {img.shape}")
    if 0 in ker.shape:
        raise ValueError(f"kernel must not be empty, got shape {ker.shape}")
    views = sliding_window_view(img, ker.shape)  # every window
    return np.tensordot(views, ker, axes=([2, 3], [0, 1]))
'''

HONEST_CORR2D = {
    "einsum": (
        "from numpy.lib.stride_tricks import sliding_window_view\n"
        "def corr2d(x, k):\n"
        "    x, k = np.asarray(x, dtype=float), np.asarray(k, dtype=float)\n"
        "    return np.einsum('ijab,ab->ij', sliding_window_view(x, k.shape), k)"
    ),
    "loops": (
        "def corr2d(x, k):\n"
        "    x = np.array(x, dtype=float)\n"
        "    k = np.array(k, dtype=float)\n"
        "    h = x.shape[0] - k.shape[0] + 1\n"
        "    w = x.shape[1] - k.shape[1] + 1\n"
        "    out = np.empty((h, w))\n"
        "    for i in range(h):\n"
        "        for j in range(w):\n"
        "            out[i, j] = np.sum(x[i:i + k.shape[0], j:j + k.shape[1]] * k)\n"
        "    return out"
    ),
    "as_strided": (
        "def corr2d(x, k):\n"
        "    x = np.ascontiguousarray(x, dtype=float)\n"
        "    k = np.asarray(k, dtype=float)\n"
        "    oh, ow = x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1\n"
        "    s0, s1 = x.strides\n"
        "    win = np.lib.stride_tricks.as_strided(x, (oh, ow) + k.shape, (s0, s1, s0, s1))\n"
        "    return (win * k).sum(axis=(2, 3))"
    ),
}
# the accumulate-over-channels loop, handed in by two students: names, comments, spacing differ
SHARED = (
    "def corr2d(x, k):\n"
    "    x = np.asarray(x, dtype=float)\n"
    "    k = np.asarray(k, dtype=float)\n"
    "    rows = x.shape[0] - k.shape[0] + 1\n"
    "    cols = x.shape[1] - k.shape[1] + 1\n"
    "    result = np.zeros((rows, cols))\n"
    "    for r in range(rows):\n"
    "        for c in range(cols):\n"
    "            window = x[r:r + k.shape[0], c:c + k.shape[1]]\n"
    "            result[r, c] = (window * k).sum()\n"
    "    return result"
)
SHARED_DISGUISED = (
    "def corr2d(img, ker):\n"
    "    # cross-correlation, valid positions only\n"
    "    img = np.asarray(img, dtype=float)\n"
    "    ker = np.asarray(ker, dtype=float)\n"
    "    nr = img.shape[0] - ker.shape[0] + 1  # output rows\n"
    "    nc = img.shape[1] - ker.shape[1] + 1\n"
    "    res = np.zeros((nr, nc))\n"
    "    for a in range(nr):\n"
    "\n"
    "        for b in range(nc):\n"
    "            patch = img[a:a + ker.shape[0], b:b + ker.shape[1]]\n"
    "            res[a, b] = (patch * ker).sum()\n"
    "    return res"
)


def _release(source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The source notebook as nbgrader releases it (solutions replaced by the stub)."""
    nb = nbformat.from_dict(source)
    for cell in nb.cells:
        if S._meta(cell).get("solution"):
            out, skip = [], False
            for line in cell.source.splitlines():
                if "### BEGIN SOLUTION" in line:
                    out.append(line.replace("### BEGIN SOLUTION", "raise NotImplementedError()"))
                    skip = True
                elif "### END SOLUTION" in line:
                    skip = False
                elif not skip:
                    out.append(line)
            cell.source = "\n".join(out)
    return nb


@pytest.fixture()
def course(tmp_path):
    """A course folder with the adversarial fixture's assignment: source and release, no
    submissions yet (``submit`` places them)."""
    (tmp_path / "nbgrader_config.py").write_text((REPO / "nbgrader_config.py").read_text())
    src = fx.source_notebook()
    for folder, nb in (("solutions", src), ("exercises", _release(src))):
        (tmp_path / folder / fx.ASSIGNMENT).mkdir(parents=True)
        nbformat.write(nb, tmp_path / folder / fx.ASSIGNMENT / f"{fx.ASSIGNMENT}.ipynb")
    return tmp_path


def submit(course: Path, student: str, **answers: str) -> None:
    """The release with the given answer cells filled in (the others left as handed out)."""
    nb = nbformat.read(course / "exercises" / fx.ASSIGNMENT / f"{fx.ASSIGNMENT}.ipynb", 4)
    for cell in nb.cells:
        gid = S._meta(cell).get("grade_id")
        if S._meta(cell).get("solution") and gid in answers:
            cell.source = answers[gid]
    fx.submit(course, student, nb)


def run(course: Path, **kw) -> S.Report:
    dirs = batch.course_dirs(course)
    students = sorted(p.name for p in (course / "submitted").iterdir())
    return S.check_course(course, fx.ASSIGNMENT, dirs, students, workers=1, **kw)


@pytest.fixture(scope="module")
def refs02():
    return S.references(REPO / "solutions" / A02)


@pytest.fixture(scope="module")
def handout02():
    return S.answer_cells(nbformat.read(REPO / "exercises" / A02 / f"{A02}.ipynb", 4))


def test_pasted_reference_with_renamed_variables_is_flagged(course):
    submit(course, "paster", corr2d=PASTED_CORR2D)
    submit(course, "honest", corr2d=HONEST_CORR2D["loops"])
    report = run(course)
    assert [(m.student, m.grade_id, m.source) for m in report.matches] == [
        ("paster", "corr2d", "convkit.functional.conv.corr2d")
    ], report.matches
    match = report.matches[0]
    assert match.score >= S.Thresholds().reference
    assert re.fullmatch(r"corr2d~convkit\.functional\.conv\.corr2d\(\d\.\d\d\)", match.item)
    # the lines that match are marked on both sides; the student's comments are gone
    review = (course / f"similarity-{fx.ASSIGNMENT}.md").read_text()
    assert f"## paster / corr2d ~ convkit.functional.conv.corr2d: {match.score:.2f}" in review
    assert re.search(rf"^{S.MARK} .*np\.tensordot\(views, ker", review, re.M), review
    assert re.search(rf"^{S.MARK} .*np\.tensordot\(windows, k", review, re.M), review
    assert "# every window" not in review and "honest" not in review


def test_the_instructors_solution_is_flagged(course):
    submit(course, "leak", corr2d=fx._strip(fx.CORR2D))
    assert [(m.student, m.source, round(m.score, 2)) for m in run(course).matches] == [
        ("leak", "solution", 1.0)
    ]


@pytest.mark.parametrize("gid", ["corr2d", "pad", "conv2d"])
def test_honest_alternatives_are_not_flagged(refs02, handout02, gid):
    """Answers written differently from the reference and the solution (the benchmark's set)."""
    bench = _benchmark()
    answers = bench.HONEST[gid]
    assert len(answers) >= 2
    subs = {name: {gid: code} for name, code in answers.items()}
    report = S.check(A02, subs, refs02, handout02, workers=1)
    assert report.matches == []
    t = S.Thresholds()
    loose = S.check(A02, subs, refs02, handout02, S.Thresholds(reference=1e-9, solution=1e-9))
    for m in loose.matches:  # with a margin, not a near miss
        assert m.score < (t.solution if m.source == "solution" else t.reference) - 0.15, m


def test_pasted_convkit_code_of_the_real_assignment_is_flagged(refs02, handout02):
    bench = _benchmark()
    subs = {}
    for gid in ("corr2d", "pad", "conv2d", "conv_output_size"):
        for name, code in bench.pasted(gid, refs02).items():
            if "core" not in name:  # 4 lines that an honest student may write too: not flagged
                subs[f"{gid}: {name}"] = {gid: code}
    report = S.check(A02, subs, refs02, handout02, workers=1)
    flagged = {m.student: m for m in report.matches if not m.source.startswith("student:")}
    assert sorted(flagged) == sorted(subs) and len(subs) == 5
    assert all(m.source.startswith("convkit.") for m in flagged.values())
    assert all(m.score > 0.9 for s, m in flagged.items() if s.endswith("renamed")), flagged


def test_two_students_sharing_an_answer_are_flagged_as_a_pair(course):
    submit(course, "ann", corr2d=SHARED)
    submit(course, "ben", corr2d=SHARED_DISGUISED)
    for name, code in HONEST_CORR2D.items():
        submit(course, f"honest-{name}", corr2d=code)
    report = run(course)
    assert sorted((m.student, m.source) for m in report.matches) == [
        ("ann", "student:ben"),
        ("ben", "student:ann"),
    ]
    assert report.items("ann")[0].startswith("corr2d~student:ben(")
    assert "near-identical to ben" in report.reason("ann")
    assert report.reason("honest-loops") is None
    review = (course / f"similarity-{fx.ASSIGNMENT}.md").read_text()
    assert "## ann / corr2d ~ student:ben" in review and "## ben / corr2d ~ student:ann" in review
    assert re.search(rf"^{S.MARK} .*patch = img\[a:a", review, re.M), review


def test_short_formula_cells_are_not_flagged(course, refs02, handout02):
    # relu is one line: the solution's own line, handed in by three students, is not a flag
    solution_relu = fx._strip(fx.RELU)
    for student in ("a", "b", "c"):
        submit(course, student, relu=solution_relu)
    assert run(course).matches == []
    # nor is the solution's conv_output_size formula; the pasted reference (long) is
    same = S.normalise(fx._strip(fx.RELU))
    assert S.Fingerprint(same, S.Thresholds().noise).size < S.Thresholds().min_chars
    sol = S.normalise(refs02["conv_output_size"]["solution"])
    subs = {"x": {"conv_output_size": sol}, "y": {"conv_output_size": sol}}
    assert S.check(A02, subs, refs02, handout02, workers=1).matches == []


def test_the_handed_out_code_never_counts(course):
    for student in ("a", "b", "c"):
        submit(course, student)  # the release as it is: stubs with the docstrings
    assert run(course).matches == []
    # and a long docstring or comments added to a shared answer do not make it near-identical
    submit(course, "a", corr2d=HONEST_CORR2D["loops"])
    submit(course, "b", corr2d='"""A long shared docstring."""\n# many comments\n' + SHARED)
    assert run(course).matches == []


def test_csv_column_reasons_and_review_file(course, tmp_path):
    submit(course, "ann", corr2d=SHARED)
    submit(course, "ben", corr2d=SHARED_DISGUISED)
    submit(course, "paster", corr2d=PASTED_CORR2D)
    submit(course, "zoe", corr2d=HONEST_CORR2D["einsum"])
    results = [batch.Result(s, score=5.0, max_score=5.0) for s in ("ann", "ben", "paster", "zoe")]
    said = []
    batch.flag_similar(course, fx.ASSIGNMENT, batch.course_dirs(course), results, said.append)
    assert len(said) == 1 and "3 student(s) flagged" in said[0], said
    path = tmp_path / "grades.csv"
    batch.write_csv(results, path)
    rows = {r["student_id"]: r for r in csv.DictReader(path.open())}
    assert list(rows["ann"]) == batch.CSV_FIELDS and batch.CSV_FIELDS[-1] == "similar"
    assert re.fullmatch(r"corr2d~student:ben\(\d\.\d\d\)", rows["ann"]["similar"]), rows["ann"]
    assert rows["paster"]["similar"].startswith("corr2d~convkit.functional.conv.corr2d(")
    for s in ("ann", "ben", "paster"):
        assert rows[s]["flagged"] == "yes" and rows[s]["score"] == "5", rows[s]  # never a zero
        assert f"review similarity-{fx.ASSIGNMENT}.md" in rows[s]["reasons"], rows[s]
    zoe = rows["zoe"]
    assert (zoe["flagged"], zoe["reasons"], zoe["similar"]) == ("no", "", ""), zoe
    assert "paster: similarity: answer cell(s) corr2d match convkit's code" in batch.summary(
        results
    )
    assert (course / f"similarity-{fx.ASSIGNMENT}.md").is_file()


def test_scores_do_not_depend_on_the_hash_seed(course):
    """copydetect hashes k-grams with Python's hash(): with every k-gram kept (window 1) the
    scores are the same under any PYTHONHASHSEED, so grading twice gives the same CSV."""
    submit(course, "ann", corr2d=SHARED)
    submit(course, "ben", corr2d=SHARED_DISGUISED)
    submit(course, "paster", corr2d=PASTED_CORR2D)
    code = (
        "import sys; from pathlib import Path; from autograder import batch, similarity as S\n"
        "c = Path(sys.argv[1]); r = S.check_course(c, 'adv', batch.course_dirs(c),"
        " ['ann', 'ben', 'paster'], workers=1)\n"
        "print(sorted(m.item for m in r.matches))"
    )
    outs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(REPO))
        proc = subprocess.run(
            [sys.executable, "-c", code, str(course)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        outs.append(proc.stdout)
    assert outs[0] == outs[1], outs
    assert "corr2d~student:ben" in outs[0] and "corr2d~convkit" in outs[0], outs[0]


def test_references_are_read_from_the_test_cells():
    refs = S.references(REPO / "solutions" / "08-transposed-convolution")
    assert "convkit.functional.transposed.conv_transpose2d" in refs["conv_transpose2d"]
    assert set(refs) == set(
        h.answer_ids(
            nbformat.read(
                REPO
                / "solutions"
                / "08-transposed-convolution"
                / "08-transposed-convolution.ipynb",
                4,
            )
        )
    )
    assert all("solution" in r for r in refs.values())
    refs = S.references(REPO / "solutions" / A02)
    # conv2d is a one-line wrapper: the code it calls is part of the reference
    assert "def _conv_nd(" in refs["conv2d"]["convkit.functional.conv.conv2d"]
    assert '"""' not in refs["corr2d"]["convkit.functional.conv.corr2d"]  # no docstrings


def test_convkit_names_follow_aliases():
    src = (
        "import convkit\nimport convkit.transforms as _T\n"
        "from convkit.functional.transposed import conv_transpose2d as _ref\n"
        "y = convkit.corr2d(x, k) + _T.center_crop(x, 2) + _ref(x, w)\nimport numpy as convkit_np\n"
    )
    assert S.convkit_names(src) >= {
        "convkit.corr2d",
        "convkit.transforms.center_crop",
        "convkit.functional.transposed.conv_transpose2d",
    }
    assert not any("numpy" in n for n in S.convkit_names(src))


def test_normalise_drops_comments_docstrings_and_markers():
    src = (
        'def f(x):\n    """Doc."""\n    ### BEGIN SOLUTION\n    return x  # why\n'
        "    ### END SOLUTION"
    )
    assert S.normalise(src) == "def f(x):\n    return x"
    assert S.normalise("%matplotlib inline\nx = 1") == "x = 1"
    assert S.normalise("def broken(:\n  pass") == "def broken(:\n  pass"  # compared as written


@pytest.mark.parametrize(
    "kw", [{"reference": 0}, {"pair": 1.5}, {"noise": 1}, {"min_chars": -1}, {"common_min": 0}]
)
def test_thresholds_are_checked(kw):
    with pytest.raises(ValueError):
        S.Thresholds(**kw)


def _benchmark():
    import importlib.util

    path = REPO / "benchmarks" / "similarity.py"
    spec = importlib.util.spec_from_file_location("bench_similarity", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.grading
def test_class_grader_end_to_end(tmp_path):
    """``python -m autograder grade`` on the real 02 assignment: bob's honest answers (written
    differently from the reference and the solution), and a student who hands in bob's answers
    with convkit's corr2d pasted in. Scores stand; the flags, CSV column and review file appear."""
    from tests.adversarial import real
    from tests.adversarial.test_real_assignment import BOB

    course = real.make_course(tmp_path / "course", cell_timeout=120)
    with open(course / "nbgrader_config.py", "a") as fh:
        # nbgrader fails a whole submission when a cell's output comes later than this after its
        # reply (default 4 s): a busy test machine is not what this test is about
        fh.write("\nc.Execute.iopub_timeout = 60\n")
    real.submit(course, "bob", real.with_answers(course, **BOB))
    real.submit(course, "paster", real.with_answers(course, **dict(BOB, corr2d=PASTED_CORR2D)))
    proc = h.run_class_grader(course, A02, similarity=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(course / f"grades-{A02}.csv") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    full = f"{real.full_marks():g}"
    assert sorted(rows) == ["bob", "paster"]
    for row in rows.values():
        assert (row["status"], row["score"], row["flagged"]) == ("graded", full, "yes"), row
    paster = [i.split("(")[0] for i in rows["paster"]["similar"].split("; ")]
    bob = [i.split("(")[0] for i in rows["bob"]["similar"].split("; ")]
    # corr2d pasted; the cells they share and long enough to count: conv2d, kernel_grad, pad and
    # unfold (not the one-line formulas); bob's answers are like neither the solution nor convkit
    shared = ["conv2d", "kernel_grad", "pad", "unfold"]
    assert paster == sorted(
        [f"{a}~student:bob" for a in shared] + ["corr2d~convkit.functional.conv.corr2d"]
    )
    assert bob == [f"{a}~student:paster" for a in shared]
    assert "near-identical to bob" in rows["paster"]["reasons"], rows["paster"]
    assert "similarity: 2 student(s) flagged" in proc.stdout, proc.stdout[-2000:]
    review = (course / f"similarity-{A02}.md").read_text()
    assert "## paster / corr2d ~ convkit.functional.conv.corr2d" in review


def test_worker_processes_give_the_same_report(refs02, handout02):
    """More than a few hundred cells are tokenised in worker processes: same matches as in one."""
    bench = _benchmark()
    cls = bench.synthetic_class(
        40,
        refs02,
        S.answer_cells(nbformat.read(REPO / "solutions" / A02 / f"{A02}.ipynb", 4)),
        seed=3,
    )
    assert len({c for cells in cls.values() for c in cells.values()}) >= 200  # the pool's size
    one = S.check(A02, cls, refs02, handout02, workers=1)
    two = S.check(A02, cls, refs02, handout02, workers=2)
    assert [(m.student, m.item) for m in one.matches] == [(m.student, m.item) for m in two.matches]
    assert any(m.student == "s007" for m in one.matches)  # the pasted references


def test_huge_or_deeply_nested_cells_do_not_stop_the_check(course):
    """A cell nested too deep for ``ast`` is compared as written; of a cell of megabytes only the
    first ``max_chars`` characters are compared. The others are still checked."""
    submit(course, "deep", corr2d="x = " + "(" * 5000 + "1" + ")" * 5000)
    submit(course, "huge", corr2d=SHARED + "\nz = [" + "1, " * 1_000_000 + "]")
    submit(course, "ann", corr2d=SHARED)
    submit(course, "ben", corr2d=SHARED_DISGUISED)
    report = run(course)
    assert [(m.student, m.source) for m in report.matches] == [
        ("ann", "student:ben"),
        ("ben", "student:ann"),
    ]
