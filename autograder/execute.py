"""nbgrader's Execute preprocessor with the guard's report after every cell.

:class:`GuardedExecute` runs the notebook exactly like ``nbgrader.preprocessors.Execute``; when
the grading kernel has the guard installed (``autograder.kernel`` reads the settings from the
``AUTOGRADER_GUARD`` environment variable, which also holds the secret token), it asks the kernel
after every code cell for the violations recorded while that cell ran
(:func:`autograder.guard.report`, a silent request that leaves no trace in the notebook) and

* appends each violation to the cell's outputs as an error (``GuardViolation: <message>``), so a
  graded test cell scores 0 by nbgrader's own rule (a cell with an error output earns nothing)
  and the student sees why;
* stores every violation in the autograded notebook's metadata,
  ``nb.metadata["autograder"] = {"guard": ..., "violations": [...]}``, where the class command
  reads them. ``"guard"`` is ``"on"`` when every report came back signed with the token,
  ``"lost"`` when one did not (the kernel stopped answering, or student code answered in the
  guard's place), and ``"off"`` when no guard was configured.

A violation is attributed to the cell that was running when the guard recorded it (the guard
names the cell by a hash of its source), which is normally the cell just executed; after a cell
that timed out, the report is skipped if the kernel does not answer, and what the guard recorded
comes with a later report, still attributed to its own cell.

Use :func:`autograde_preprocessors` for ``c.Autograde.autograde_preprocessors``.
"""

from __future__ import annotations

import ast
import hmac
import os
import secrets

from nbclient.util import run_sync
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer

from autograder.config import GUARD_ENV, GuardConfig
from autograder.guard import sign, source_hash

__all__ = ["GuardedExecute", "autograde_preprocessors", "GUARD_ENV"]


class GuardedExecute(Execute):
    """Execute, then collect the guard's violations cell by cell (see the module docstring)."""

    report_timeout = Integer(30, help="seconds to wait for the guard's report after a cell").tag(
        config=True
    )
    install_guard = Bool(
        True,
        help=(
            "install the guard after the kernel starts when the kernel did not "
            "(autograder.kernel installs it at start-up; a plain python3 kernel gets it from here)"
        ),
    ).tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        raw = os.environ.get(GUARD_ENV)
        self._config = GuardConfig.from_json(raw) if raw else None
        self._token = self._config.token if self._config else None
        self._guard_state = "on" if self._token else "off"
        self._violations: list[dict] = []
        self._cells_by_hash: dict[str, tuple] = {}
        try:
            nb, resources = super().preprocess(nb, resources, km)
        finally:
            nb.metadata["autograder"] = {"guard": self._guard_state, "violations": self._violations}
        return nb, resources

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        if self._token and self.install_guard:
            report = await self._async_fetch_report()
            if report is None:
                assert self._config is not None
                code = (
                    "__import__('autograder.guard', fromlist=['install'])"
                    f".install({self._config.to_json()!r})"
                )
                msg_id = self.kc.execute(
                    code, silent=True, store_history=False, stop_on_error=False
                )
                reply = await self.async_wait_for_reply(msg_id)
                if not reply or reply["content"].get("status") != "ok":
                    why = reply["content"].get("evalue") if reply else "no reply"
                    raise RuntimeError(f"could not install the guard in the grading kernel: {why}")
        return kc

    # The blocking forms look the coroutine up on the instance: nbclient's class-level
    # ``run_sync(async_...)`` would always run this class's coroutine and skip the overrides of
    # subclasses (CpuTimeExecute's per-cell CPU clock, ProfiledExecute's timings).
    def start_new_kernel_client(self):
        return run_sync(self.async_start_new_kernel_client)()

    def execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        return run_sync(self.async_execute_cell)(cell, cell_index, execution_count, store_history)

    def _cleanup_kernel(self) -> None:
        return run_sync(self._async_cleanup_kernel)()

    def preprocess_cell(self, cell, resources, index):
        cell, resources = super().preprocess_cell(cell, resources, index)
        if self._token and cell.cell_type == "code" and cell.source.strip():
            self._collect(cell, index)
        return cell, resources

    def _collect(self, cell, index) -> None:
        self._cells_by_hash[source_hash(cell.source)[:16]] = (cell, index)
        report = self._fetch_report()
        if report is None:
            timed_out = any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", []))
            if not timed_out and self._guard_state == "on":
                self._guard_state = "lost"
                self._add(
                    cell,
                    index,
                    "guard-lost",
                    "the grader could not get a signed report from the guard after this cell "
                    "(the kernel stopped answering, or code in the notebook answered in its place)",
                )
            return
        for violation in report["violations"]:
            target, where = self._cells_by_hash.get(str(violation.get("cell")), (cell, index))
            self._add(
                target,
                where,
                str(violation.get("kind", "violation")),
                str(violation.get("message", "")),
            )

    def _add(self, cell, index, kind: str, message: str) -> None:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        self._violations.append(
            {"cell_index": index, "grade_id": grade_id, "kind": kind, "message": message}
        )
        cell.outputs.append(
            new_output(
                "error",
                ename="GuardViolation",
                evalue=message,
                traceback=[f"GuardViolation: {message}"],
            )
        )
        self.log.warning(
            "guard: %s in cell %s (%s): %s", kind, index, grade_id or "no grade id", message
        )

    async def _async_fetch_report(self) -> dict | None:
        """The guard's report, or None when there is none or its signature does not check out."""
        if self._token is None:
            return None
        token = self._token
        nonce = secrets.token_hex(16)
        expr = f"__import__('autograder.guard', fromlist=['report']).report({nonce!r})"
        try:
            msg_id = self.kc.execute(
                "",
                silent=True,
                store_history=False,
                user_expressions={"r": expr},
                stop_on_error=False,
            )
            saved = self.timeout  # type: ignore[has-type]  # a traitlets trait of nbclient
            self.timeout = self.report_timeout
            try:
                reply = await self.async_wait_for_reply(msg_id)
            finally:
                self.timeout = saved
        except (
            Exception
        ) as err:  # a dead kernel is nbgrader's to report; here it only means no report
            self.log.warning("guard report failed: %s", err)
            return None
        if not reply or reply["content"].get("status") != "ok":
            return None
        value = reply["content"].get("user_expressions", {}).get("r", {})
        if value.get("status") != "ok":
            return None
        try:
            result = ast.literal_eval(value["data"]["text/plain"])
        except (KeyError, ValueError, SyntaxError):
            return None
        if (
            not isinstance(result, dict)
            or result.get("nonce") != nonce
            or not isinstance(result.get("mac"), str)
        ):
            return None
        violations = result.get("violations")
        if not isinstance(violations, list) or not hmac.compare_digest(
            result["mac"], sign(token, nonce, violations)
        ):
            return None
        return result

    def _fetch_report(self) -> dict | None:
        return run_sync(self._async_fetch_report)()


def autograde_preprocessors(extra_after_execute=(), executor=None):
    """nbgrader's default autograde pipeline with ``executor`` (default :class:`GuardedExecute`)
    in place of Execute, and ``extra_after_execute`` (preprocessor classes) right after it."""
    from nbgrader.converters import Autograde

    out = []
    for pp in Autograde.class_traits()["autograde_preprocessors"].default():
        if pp is Execute:
            out.append(executor or GuardedExecute)
            out.extend(extra_after_execute)
        else:
            out.append(pp)
    return out
