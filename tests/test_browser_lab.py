"""A student's JupyterLab in a real browser: Playwright driving Debian's Chromium (never a
downloaded one) against ``jupyter lab`` on 127.0.0.1 with a token, in the student set-up
(``JUPYTER_CONFIG_PATH=jupyter/student``, what ``make lab`` starts).

The student has written ``corr2d`` of exercise 02 and nothing else. Run All stops at the first
test of the next function with the stub's message; the scorecard cell then lists every visible
test, corr2d's passed and all others failed with their stub's message, and the total. The
instructor tools (Formgrader, Create Assignment) are absent; the Validate button is there. A
failing test leaves screenshots in ``_build/browser-screenshots/``.

The instructor set-up (``make lab-instructor``: no ``JUPYTER_CONFIG_PATH``) is started the same
way: there ``/formgrader`` answers, the Nbgrader menu lists Formgrader and the Create Assignment
sidebar is present.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "_build" / "browser-screenshots"
NAME = "02-convolution-layers"
CORR2D = (
    "def corr2d(x, k):\n"
    "    kh, kw = k.shape\n"
    "    oh, ow = x.shape[0] - kh + 1, x.shape[1] - kw + 1\n"
    "    out = np.zeros((oh, ow))\n"
    "    for a in range(kh):\n"
    "        for b in range(kw):\n"
    "            out += k[a, b] * x[a:a + oh, b:b + ow]\n"
    "    return out\n"
)

pytestmark = [pytest.mark.book, pytest.mark.xdist_group("browser")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _student_copy(folder: Path) -> Path:
    nb = nbformat.read(str(REPO / "exercises" / NAME / f"{NAME}.ipynb"), as_version=4)
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "corr2d":
            cell.source = CORR2D
    path = folder / f"{NAME}.ipynb"
    nbformat.write(nb, str(path))
    return path


@contextlib.contextmanager
def _jupyter_lab(work: Path, config_path: Path | None):
    """``jupyter lab`` on 127.0.0.1 with a token, over a folder holding the student's notebook,
    with nobody's personal settings; ``config_path`` is the ``JUPYTER_CONFIG_PATH`` of the
    set-up (``make lab``: ``jupyter/student``; ``make lab-instructor``: none)."""
    home = work / "home"
    root = work / "root"
    for d in (home, root):
        d.mkdir()
    _student_copy(root)
    # every cell in the page (no windowing), so the test reads outputs above the fold; no news
    settings = home / "settings"
    for plugin, values in {
        "notebook-extension/tracker": {"windowingMode": "none"},
        "apputils-extension/notification": {"fetchNews": "false"},
    }.items():
        path = settings / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    env.pop("JUPYTER_CONFIG_PATH", None)
    if config_path is not None:
        env["JUPYTER_CONFIG_PATH"] = str(config_path)
    env.update(
        JUPYTER_CONFIG_DIR=str(home / "config"),  # no settings of the person running the tests
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        HOME=str(home),
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        OMP_NUM_THREADS="1",
    )
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}", "--ServerApp.open_browser=False",
    ]  # fmt: skip
    if os.geteuid() == 0:  # CI runs as root
        cmd.append("--allow-root")
    log = (work / "lab.log").open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(f"jupyter lab did not start:\n{(work / 'lab.log').read_text()}")
                time.sleep(0.5)
        yield {"url": url, "token": token, "root": root, "log": work / "lab.log"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """The student set-up, what ``make lab`` starts."""
    with _jupyter_lab(tmp_path_factory.mktemp("lab"), REPO / "jupyter" / "student") as server:
        yield server


@pytest.fixture(scope="module")
def instructor_lab(tmp_path_factory):
    """The instructor set-up, what ``make lab-instructor`` starts (every nbgrader tool)."""
    with _jupyter_lab(tmp_path_factory.mktemp("lab-instructor"), None) as server:
        yield server


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    failed_before = request.session.testsfailed
    yield page
    if request.session.testsfailed > failed_before:  # this test failed: keep what it showed
        _shot(page, f"failed-{request.node.name}")
    context.close()


def _get(url: str) -> int:
    try:
        return urllib.request.urlopen(url, timeout=30).status
    except urllib.error.HTTPError as err:
        return err.code


def _outputs(page) -> list[str]:
    return page.locator(".jp-OutputArea-output").all_text_contents()


def _open(page, lab):
    page.goto(f"{lab['url']}/lab/tree/{NAME}.ipynb?token={lab['token']}")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for()
    # the kernel is up when the status bar says so ("Python 3 (ipykernel) | Idle")
    page.get_by_text(re.compile(r"\(ipykernel\) \| Idle")).wait_for(timeout=120_000)


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"lab-{name}.png"))


def test_instructor_tools_are_hidden_from_students(lab, page):
    base, token = lab["url"], lab["token"]
    assert _get(f"{base}/formgrader?token={token}") == 404
    _open(page, lab)
    items = _nbgrader_menu(page)
    _shot(page, "student-nbgrader-menu")
    assert "Formgrader" not in items and "Courses" not in items, items
    # the Validate button of the notebook toolbar stays for students
    assert page.get_by_role("button", name="Validate").count() >= 1
    assert page.get_by_text("Create Assignment").count() == 0


def test_run_all_stops_at_a_named_stub_and_the_scorecard_lists_every_test(lab, page):
    _open(page, lab)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()
    stub = "NotImplementedError: corr2d_multi_in: replace this line with your code"
    page.get_by_text(stub).first.wait_for(state="attached", timeout=120_000)
    page.get_by_text(re.compile(r"\(ipykernel\) \| Idle")).wait_for(timeout=120_000)
    texts = _outputs(page)
    assert any("test_corr2d passed [2 points]" in t for t in texts), texts
    _shot(page, "student-run-all")
    # the scorecard cell: the last cell of the notebook
    cells = page.locator(".jp-Notebook .jp-Cell")
    last = cells.nth(cells.count() - 1)
    last.scroll_into_view_if_needed()
    last.locator(".jp-InputArea-editor").click()
    log_before = lab["log"].stat().st_size
    page.keyboard.press("Control+Enter")  # run it in place
    page.get_by_text("Visible tests:").wait_for(state="attached", timeout=240_000)
    # the scorecard's own kernel writes its stderr into the server's log: no warning there
    # (over TCP, ipykernel warned "Kernel is running over TCP without encryption")
    with lab["log"].open(errors="replace") as log:
        log.seek(log_before)
        warnings = [ln for ln in log if "WARNING" in ln or "Warning" in ln]
    assert not warnings, warnings
    card = last.locator(".jp-OutputArea").text_content() or ""
    _shot(page, "student-scorecard")
    lines = [ln.rstrip() for ln in card.splitlines()]
    assert lines[0].startswith(f"Scorecard of {NAME}.ipynb as saved at"), lines
    nb = nbformat.read(str(REPO / "exercises" / NAME / f"{NAME}.ipynb"), as_version=4)
    tests = [
        c.metadata["nbgrader"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
    ]
    for meta in tests:
        gid, points = meta["grade_id"], meta["points"]
        function = gid.removeprefix("test_").split("__")[0]
        if function == "corr2d":
            expected = f"PASS  {gid:<36}  {points:g}/{points:g}"
        else:
            expected = (
                f"FAIL  {gid:<36}  0/{points:g}  "
                f"NotImplementedError: {function}: replace this line with your code"
            )
        assert expected in lines, (expected, lines)
    total = sum(m["points"] for m in tests)
    assert f"Visible tests: 4/{total:g} points, 3 of {len(tests)} test cells passed." in lines


def _nbgrader_menu(page) -> str:
    page.get_by_role("menuitem", name="Nbgrader").click()
    menu = page.locator(".lm-Menu").last
    menu.wait_for()
    items = menu.inner_text()
    page.keyboard.press("Escape")
    return items


def test_instructors_see_formgrader_and_create_assignment(instructor_lab, page):
    base, token = instructor_lab["url"], instructor_lab["token"]
    assert _get(f"{base}/formgrader?token={token}") == 200
    _open(page, instructor_lab)
    items = _nbgrader_menu(page)
    _shot(page, "instructor-nbgrader-menu")
    assert "Formgrader" in items, items
    assert page.get_by_role("button", name="Validate").count() >= 1
    assert page.get_by_text("Create Assignment").count() >= 1
