"""Test-session settings: no windows from matplotlib; the known-wrong answers are data, not tests;
xdist groups must really group; the browser of the browser tests."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

# tests/wrong/ and tests/right/ hold answer cells that the grader tests paste into notebooks;
# importing them as modules (as --doctest-modules would) is meaningless and some need names the
# notebook defines (a class deriving from nn.Module).
collect_ignore = ["wrong", "right"]

# Debian's chromium (`apt-get install chromium`, as .ci/run does), driven by Playwright; never a
# browser build downloaded by `playwright install`.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Fail loudly if ``--dist loadgroup`` is not grouping (as with pytest 9.2 and xdist 3.8).

    pytest-xdist marks a grouped test by appending ``@<group>`` to its node id on the worker; when
    that silently stops working, each assignment's grader tests spread over the workers and one
    waits for the other's nbgrader run, which costs CI minutes without failing anything.
    """
    if not (os.environ.get("PYTEST_XDIST_WORKER") and config.getvalue("loadgroup")):
        return
    ungrouped = [i.nodeid for i in items if i.get_closest_marker("xdist_group") and "@" not in i.nodeid]
    if ungrouped:
        raise RuntimeError(f"--dist loadgroup is not grouping tests here (pytest/pytest-xdist versions?), e.g. {ungrouped[0]}")


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: `apt-get install chromium` (or set $CHROMIUM); "
            "never run `playwright install`"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()
