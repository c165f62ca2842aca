"""The notebook-wide guard (autograder.guard) in a real IPython kernel, cell by cell.

Each test starts a kernel, installs the guard with the hashes of its "instructor" cells, runs a
short notebook (instructor setup, student answer, instructor test) and looks at what each cell
returned and which violations the guard reported. The full pipeline (nbgrader, sandbox, class
command) is exercised by tests/adversarial/.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

import pytest
from jupyter_client.manager import start_new_kernel

from autograder.guard import sign, source_hash

REPO = Path(__file__).resolve().parents[1]

# Every test here starts a real IPython kernel (about a minute for the file): not part of make test-fast.
pytestmark = pytest.mark.grading

SETUP = "import numpy as np\nfrom convgrade import check_array, check_number, check_shape"
TEST = (
    "import convkit\n"
    "_x = np.arange(16.0).reshape(4, 4)\n"
    "_k = np.array([[1.0, 0.0], [0.0, -1.0]])\n"
    "check_array(corr2d(_x, _k), convkit.corr2d(_x, _k), 'corr2d(x, k)')"
)
HONEST = (
    "def corr2d(x, k):\n"
    "    kh, kw = k.shape\n"
    "    oh, ow = x.shape[0] - kh + 1, x.shape[1] - kw + 1\n"
    "    out = np.zeros((oh, ow))\n"
    "    for a in range(kh):\n"
    "        for b in range(kw):\n"
    "            out += k[a, b] * x[a:a + oh, b:b + ow]\n"
    "    return out"
)


class GuardedKernel:
    """An IPython kernel with the guard installed; ``run`` executes one cell like nbgrader does."""

    def __init__(self, instructor_cells, forbidden=None):
        env = dict(os.environ)
        env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
        self.km, self.kc = start_new_kernel(kernel_name="python3", env=env, cwd=str(REPO / "tests"))
        self.token = secrets.token_hex(8)
        config = {"trusted": [source_hash(c) for c in instructor_cells], "token": self.token}
        if forbidden is not None:
            config["forbidden"] = forbidden
        else:
            from convgrade import DEFAULT_FORBIDDEN

            config["forbidden"] = list(DEFAULT_FORBIDDEN)
        status, _ = self._execute(f"import autograder.guard as _g; _g.install({json.dumps(config)!r}); del _g",
                                  silent=True)
        assert status["status"] == "ok", f"the guard did not install: {status.get('evalue')}"

    def _execute(self, code, silent=False, user_expressions=None):
        msg_id = self.kc.execute(code, silent=silent, store_history=not silent, user_expressions=user_expressions or {})
        outputs = []
        while True:
            msg = self.kc.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "status" and msg["content"]["execution_state"] == "idle":
                break
            if kind in ("stream", "error", "execute_result"):
                outputs.append(msg["content"])
        reply = self.kc.get_shell_msg(timeout=60)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = self.kc.get_shell_msg(timeout=60)
        return reply["content"], outputs

    def report(self, nonce=None):
        """The guard's report for a fresh nonce, with its signature checked."""
        nonce = nonce or secrets.token_hex(8)
        expr = f"__import__('autograder.guard', fromlist=['report']).report({nonce!r})"
        content, _ = self._execute("", silent=True, user_expressions={"r": expr})
        value = content["user_expressions"]["r"]
        assert value["status"] == "ok", value
        import ast

        result = ast.literal_eval(value["data"]["text/plain"])
        result["signed"] = result["nonce"] == nonce and result["mac"] == sign(self.token, nonce, result["violations"])
        return result

    def run(self, source):
        """Run one cell; return (status, error name or None, error value, new violations)."""
        content, outputs = self._execute(source)
        errors = [o for o in outputs if "ename" in o]
        report = self.report()
        assert report["signed"], report
        ename = errors[-1]["ename"] if errors else None
        evalue = errors[-1]["evalue"] if errors else ""
        return content["status"], ename, evalue, report["violations"]

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


@pytest.fixture
def kernel_factory():
    kernels = []

    def make(instructor_cells, **kw):
        k = GuardedKernel(instructor_cells, **kw)
        kernels.append(k)
        return k

    yield make
    for k in kernels:
        k.close()


def test_honest_answer_and_reference_in_the_test_cell_are_fine(kernel_factory):
    k = kernel_factory([SETUP, TEST])
    assert k.run(SETUP)[0] == "ok"
    assert k.run(HONEST) == ("ok", None, "", [])
    assert k.run(TEST) == ("ok", None, "", [])


@pytest.mark.parametrize("answer", [
    "import convkit\ndef corr2d(x, k):\n    return convkit.corr2d(x, k)",
    "from convkit import corr2d as _ref\ndef corr2d(x, k):\n    return _ref(x, k)",
    "import sys\n_ref = getattr(sys.modules['convkit'], 'corr' + '2d')\ndef corr2d(x, k):\n    return (lambda *a: _ref(*a))(x, k)",
    "import scipy.signal\ndef corr2d(x, k):\n    return scipy.signal.correlate2d(x, k, mode='valid')",
    "import torch, torch.nn.functional as F\n_c = F.conv2d\n"
    "def corr2d(x, k):\n    return _c(torch.from_numpy(x)[None, None], torch.from_numpy(k)[None, None])[0, 0].numpy()",
], ids=["direct", "alias-at-import", "getattr-lambda", "scipy", "torch-alias"])
def test_a_forbidden_call_from_the_answer_fails_the_test_cell(kernel_factory, answer):
    k = kernel_factory([SETUP, TEST])
    k.run(SETUP)
    status, ename, evalue, violations = k.run(answer)
    assert status == "ok" and not violations, "defining the function (and importing) is not yet a violation"
    status, ename, evalue, violations = k.run(TEST)
    assert status == "error" and ename == "ForbiddenCallError", (ename, evalue)
    assert "corr2d" in evalue and "forbids" in evalue
    assert [v["kind"] for v in violations] == ["forbidden-call"]


def test_catching_the_error_and_calling_again_is_still_reported(kernel_factory):
    k = kernel_factory([SETUP, TEST])
    k.run(SETUP)
    k.run("import convkit\n"
          "def corr2d(x, k):\n"
          "    for _ in range(3):\n"
          "        try:\n"
          "            return convkit.corr2d(x, k)\n"
          "        except BaseException:\n"
          "            pass\n")
    status, ename, evalue, violations = k.run(TEST)
    assert status == "ok", "the retry escaped the hook, so the cell itself passes..."
    assert violations and violations[0]["kind"] == "forbidden-call", "...but the guard reports it (the grader zeroes the cell)"


def test_switching_the_profiler_off_is_tampering(kernel_factory):
    k = kernel_factory([SETUP, TEST])
    k.run(SETUP)
    k.run("import sys, convkit\n"
          "def corr2d(x, k):\n"
          "    sys.setprofile(None)\n"
          "    return convkit.corr2d(x, k)\n")
    status, ename, evalue, violations = k.run(TEST)
    assert status == "error" and ename == "ForbiddenCallError"
    assert "switch off" in evalue
    assert [v["kind"] for v in violations] == ["tampering"]
    # the guard is armed again for the next cell: a direct call is still caught
    k.run("import convkit\ndef corr2d(x, k):\n    return convkit.corr2d(x, k)")
    assert k.run(TEST)[1] == "ForbiddenCallError"


def test_an_instructor_cell_may_use_its_own_profiler(kernel_factory):
    spy = ("import sys as _sys\n_seen = []\n"
           "_sys.setprofile(lambda f, e, a: _seen.append(e))\n"
           "_y = corr2d(np.ones((3, 3)), np.ones((2, 2)))\n"
           "_sys.setprofile(None)\n"
           "assert _seen")
    k = kernel_factory([SETUP, TEST, spy])
    k.run(SETUP)
    k.run("import convkit\ndef corr2d(x, k):\n    return convkit.corr2d(x, k)")
    assert k.run(spy) == ("ok", None, "", []), "the instructor's own hook replaced the guard in that cell"
    assert k.run(TEST)[1] == "ForbiddenCallError", "the guard is back for the next cell"


def test_an_input_transformer_that_strips_asserts_does_not_reach_the_test_cell(kernel_factory):
    test = "assert corr2d(np.ones((3, 3)), np.ones((2, 2))).sum() == 16.0, 'wrong corr2d'"
    k = kernel_factory([SETUP, test])
    k.run(SETUP)
    k.run("def corr2d(x, k):\n    return np.zeros((1, 1))")
    status, _, _, violations = k.run(
        "ip = get_ipython()\n"
        "ip.input_transformers_post.append(lambda lines: [l for l in lines if not l.lstrip().startswith('assert')])\n"
        "ip.input_transformers_cleanup.append(lambda lines: [l for l in lines if not l.lstrip().startswith('assert')])"
    )
    assert status == "ok"
    assert [v["kind"] for v in violations] == ["ipython-tampering"], "reported right after the cell that did it"
    assert "input_transformers_post" in violations[0]["message"]
    assert "input_transformer_manager.cleanup_transforms" in violations[0]["message"]
    status, ename, evalue, violations = k.run(test)
    assert status == "error" and ename == "AssertionError" and "wrong corr2d" in evalue, "the assert was kept"
    assert violations == []


def test_a_cell_changed_by_a_transformer_runs_as_ipython_would_have_compiled_it(kernel_factory):
    """Even when the grader does not ask between two cells, the altered code never runs."""
    test = "assert corr2d(1) == 2, 'wrong'"
    k = kernel_factory([SETUP, test])
    k.run(SETUP)
    k.run("def corr2d(v):\n    return 0")
    # replace transform_cell, then run the test without a report in between
    content, outputs = k._execute(
        "_ip = get_ipython()\n_orig = _ip.transform_cell\n"
        "_ip.transform_cell = lambda raw: _orig(raw).replace('assert', 'pass #')"
    )
    assert content["status"] == "ok"
    content, outputs = k._execute(test)
    assert content["status"] == "error" and content["ename"] == "AssertionError"
    messages = [v["message"] for v in k.report()["violations"]]
    assert any("changed by an input transformer" in m and "shell.transform_cell" in m for m in messages), messages


@pytest.mark.parametrize("attack", [
    "ip = get_ipython()\n_orig = ip.transform_cell\nip.transform_cell = lambda raw: _orig(raw).replace('assert', 'pass #')",
    "ip = get_ipython()\n_orig = type(ip).run_cell\n"
    "type(ip).run_cell = lambda self, raw, *a, **k: _orig(self, raw.replace('assert', 'pass #'), *a, **k)",
    "ip = get_ipython()\nimport ast\n"
    "class _NoAssert(ast.NodeTransformer):\n    def visit_Assert(self, node):\n        return ast.Pass()\n"
    "ip.ast_transformers.append(_NoAssert())",
], ids=["transform_cell", "class-run_cell", "ast-transformer"])
def test_replacing_ipython_machinery_is_reported_and_undone(kernel_factory, attack):
    test = "assert corr2d(1) == 2, 'wrong'"
    k = kernel_factory([SETUP, test])
    k.run(SETUP)
    k.run("def corr2d(v):\n    return 0")
    status, _, _, violations = k.run(attack)
    assert [v["kind"] for v in violations] == ["ipython-tampering"]
    status, ename, _, violations = k.run(test)
    assert ename == "AssertionError"


def test_rebinding_numpy_or_a_check_helper_is_the_students_own_business(kernel_factory):
    """The tests run in the trusted kernel (autograder.twoprocess): what a student's code rebinds
    in its own kernel (a check helper, a numpy function, a helper's code) reaches no test, so the
    guard neither reports nor undoes it. A checking built-in, which the guard's own hook calls,
    is still put back and reported."""
    k = kernel_factory([SETUP])
    k.run(SETUP)
    status, _, _, violations = k.run(
        "import convgrade\n"
        "def check_array(*args, **kwargs):\n    return None\n"
        "np.isclose = lambda *a, **kw: np.ones(1, dtype=bool)\n"
        "convgrade.check_number.__code__ = (lambda *a, **k: None).__code__\n"
        "import builtins\nbuiltins.abs = lambda x: 0")
    assert status == "ok"
    assert [v["kind"] for v in violations] == ["rebinding"], violations
    assert "builtins.abs" in violations[0]["message"], violations
    assert "numpy" not in violations[0]["message"] and "convgrade" not in violations[0]["message"]
    kept = ("assert check_array(1, 2) is None and np.isclose(1, 2).all()\n"
            "assert convgrade.check_number(1, 2, 'x') is None\n"
            "assert abs(-3) == 3")
    assert k.run(kept) == ("ok", None, "", [])


def test_a_student_may_reuse_a_name_the_next_test_does_not_use(kernel_factory):
    test = "check_array(corr2d(np.ones((3, 3)), np.ones((2, 2))), np.full((2, 2), 4.0))"
    free = "import math as data  # an instructor's free cell binding a module"
    k = kernel_factory([SETUP, free, test])
    k.run(SETUP)
    k.run(free)
    k.run(HONEST + "\ndata = [1, 2, 3]")
    assert k.run(test) == ("ok", None, "", [])
    assert k.run("assert data == [1, 2, 3]")[0] == "ok", "not restored: no test used it"


def test_removing_the_guard_callbacks_is_reported(kernel_factory):
    k = kernel_factory([SETUP, TEST])
    k.run(SETUP)
    status, _, _, violations = k.run(
        "ip = get_ipython()\n"
        "for _name in ('pre_run_cell', 'post_run_cell'):\n"
        "    ip.events.callbacks[_name].clear()"
    )
    assert violations and "events['pre_run_cell']" in violations[0]["message"]
    k.run("import convkit\ndef corr2d(x, k):\n    return convkit.corr2d(x, k)")
    assert k.run(TEST)[1] == "ForbiddenCallError", "the callbacks were restored"


def test_a_report_is_given_once_and_signed(kernel_factory):
    k = kernel_factory([SETUP, TEST])
    k.run(SETUP)
    status, ename, _, violations = k.run("import convkit\n_ = convkit.corr2d(np.ones((2, 2)), np.ones((1, 1)))")
    assert ename == "ForbiddenCallError" and len(violations) == 1, "a call at the top level of a student cell"
    report = k.report()
    assert report["signed"] and report["violations"] == [], "each violation is reported once"


def test_a_stand_in_report_from_the_student_is_not_signed_and_is_undone(kernel_factory):
    k = kernel_factory([SETUP, TEST])
    k.run(SETUP)
    content, _ = k._execute(
        "import autograder.guard as g\nimport convkit\n"
        "g.report = lambda nonce: {'nonce': nonce, 'violations': [], 'mac': '0' * 64}\n"
        "try:\n    convkit.corr2d(np.ones((2, 2)), np.ones((1, 1)))\nexcept BaseException:\n    pass")
    assert content["status"] == "ok"
    fake = k.report()
    assert not fake["signed"], "the grader rejects it (GuardedExecute: guard 'lost')"
    k._execute("pass")  # the next cell: the guard puts its report function back
    real = k.report()
    assert real["signed"]
    kinds = [v["kind"] for v in real["violations"]]
    assert "forbidden-call" in kinds and "rebinding" in kinds, real["violations"]


def test_a_module_next_to_the_notebook_cannot_shadow_numpy_or_convkit(kernel_factory, tmp_path):
    # the kernel of GuardedKernel runs in tests/, which holds no numpy.py; the guard removed the
    # working folder from sys.path, so a file written there now is not importable by name
    k = kernel_factory([SETUP])
    status, *_ = k.run("import sys, os\nassert os.getcwd() not in sys.path and '' not in sys.path, sys.path")
    assert status == "ok"


def test_a_student_lambda_passed_to_an_instructor_cell_is_still_the_students(kernel_factory):
    test = "_f = make()\n_ = _f(np.ones((3, 3)))"
    k = kernel_factory([SETUP, test])
    k.run(SETUP)
    k.run("import scipy.ndimage as nd\ndef make():\n    return lambda x: nd.convolve(x, np.ones((2, 2)))")
    status, ename, evalue, violations = k.run(test)
    assert ename == "ForbiddenCallError" and "scipy.ndimage" in evalue


def test_matplotlib_in_a_student_cell_is_not_tampering(kernel_factory):
    """Importing pyplot makes the inline backend register a post_execute callback: a library's."""
    k = kernel_factory([SETUP])
    k.run(SETUP)
    status, _, _, violations = k.run("%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()")
    assert status == "ok" and violations == []
    status, _, _, violations = k.run("get_ipython().events.register('post_execute', lambda: None)")
    assert [v["kind"] for v in violations] == ["ipython-tampering"], "a callback from student code is not"
