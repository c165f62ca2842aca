"""The built book in a real browser: Playwright driving Debian's Chromium (never a downloaded one).

``make book`` writes ``_build/html``; these tests serve it on 127.0.0.1 and check what a reader
meets at phone width (390 px) and on a desktop (1400 px). A failing test leaves a screenshot in
``_build/browser-screenshots/``. The browser is ``/usr/bin/chromium`` (``apt-get install
chromium``; ``.ci/run`` installs it) or the path in ``$CHROMIUM``.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

REPO = Path(__file__).resolve().parents[1]
HTML = REPO / "_build" / "html"
SHOTS = REPO / "_build" / "browser-screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}

pytestmark = [pytest.mark.book, pytest.mark.xdist_group("browser")]


def book_pages() -> list[str]:
    """Every chapter, appendix and exercise page (``index.html`` only redirects to the intro)."""
    if not HTML.is_dir():
        return []
    pages = sorted(str(p.relative_to(HTML)) for p in (HTML / "book").glob("*.html"))
    pages += sorted(str(p.relative_to(HTML)) for p in (HTML / "exercises").glob("*/*.html"))
    return pages


@pytest.fixture(scope="module")
def site():
    if not (HTML / "index.html").exists():
        pytest.fail("the book is not built: run `make book` (`make test` builds it first)")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass



class Reader:
    """One browser tab that records requests to other hosts and page errors (and blocks them)."""

    def __init__(self, browser, site: str, viewport: dict):
        self.site = site
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.offsite: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda exc: self.errors.append(f"{self.page.url}: {exc}"))

    def _route(self, route):
        url = route.request.url
        host = urlparse(url).hostname
        if url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            self.offsite.append(url)
            route.abort()

    def open(self, path: str) -> None:
        self.page.goto(f"{self.site}/{path}", wait_until="load")
        # MathJax typesets after load; wait for it where the page loads it.
        self.page.evaluate(
            "() => window.MathJax && MathJax.startup ? MathJax.startup.promise.then(() => 1) : 1"
        )

    @contextlib.contextmanager
    def screenshot_on_failure(self, name: str):
        try:
            yield
        except BaseException:
            SHOTS.mkdir(parents=True, exist_ok=True)
            shot = SHOTS / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png")
            with contextlib.suppress(Exception):
                self.page.screenshot(path=str(shot), full_page=False)
            raise

    def close(self):
        self.context.close()


@pytest.fixture
def phone(browser, site):
    reader = Reader(browser, site, PHONE)
    yield reader
    reader.close()


@pytest.fixture
def desktop(browser, site):
    reader = Reader(browser, site, DESKTOP)
    yield reader
    reader.close()


CHAPTER = "book/08-transposed-convolution.html"


def _visible_primary_toggle(page):
    toggles = [t for t in page.query_selector_all(".primary-toggle") if t.is_visible()]
    assert len(toggles) == 1, f"expected one visible sidebar toggle, found {len(toggles)}"
    return toggles[0]


def test_phone_toggle_opens_the_chapter_list(phone):
    with phone.screenshot_on_failure("phone-toggle"):
        phone.open(CHAPTER)
        page = phone.page
        chapter_list = page.locator(".bd-docs-nav a[href*='04-receptive-fields']").first
        assert not chapter_list.is_visible(), "the chapter list is already visible at 390 px"
        _visible_primary_toggle(page).click()
        page.wait_for_timeout(500)
        assert page.evaluate("document.getElementById('pst-primary-sidebar-modal').open")
        assert chapter_list.is_visible(), "the ☰ button did not open the chapter list"
        assert not phone.errors, phone.errors


def test_desktop_toggle_hides_and_shows_the_sidebar(desktop):
    with desktop.screenshot_on_failure("desktop-toggle"):
        desktop.open(CHAPTER)
        page = desktop.page
        link = page.locator("#pst-primary-sidebar .bd-docs-nav a[href='04-receptive-fields.html']")
        assert link.is_visible(), "the chapter list should show at 1400 px"
        _visible_primary_toggle(page).click()
        page.wait_for_timeout(600)
        assert not link.is_visible(), "the ☰ button did not hide the sidebar at 1400 px"
        _visible_primary_toggle(page).click()
        page.wait_for_timeout(600)
        assert link.is_visible(), "a second click did not bring the sidebar back"
        assert not desktop.errors, desktop.errors


SURVEY_JS = r"""() => {
  const article = document.querySelector('article') || document.body;
  const clone = article.cloneNode(true);
  clone.querySelectorAll('pre, code, mjx-container, script, style, .highlight')
       .forEach(e => e.remove());
  return {
    width: document.documentElement.scrollWidth,
    math: document.querySelectorAll('mjx-container').length,
    errors: document.querySelectorAll('mjx-merror').length,
    slashes: document.querySelectorAll('mjx-container mjx-c.mjx-c5C').length,
    text: clone.textContent,
  };
}"""


@pytest.fixture(scope="module")
def phone_survey(browser, site):
    """Every page opened once at 390 px: its width, its math, script errors, off-site requests."""
    reader = Reader(browser, site, PHONE)
    pages = {}
    try:
        for path in book_pages():
            reader.open(path)
            pages[path] = reader.page.evaluate(SURVEY_JS)
            if pages[path]["width"] > PHONE["width"] + 1:
                SHOTS.mkdir(parents=True, exist_ok=True)
                name = re.sub(r"[^A-Za-z0-9_.-]+", "_", path)
                reader.page.screenshot(path=str(SHOTS / f"phone-width-{name}.png"))
        yield {"pages": pages, "errors": reader.errors, "offsite": reader.offsite}
    finally:
        reader.close()


def test_no_page_scrolls_sideways_on_a_phone(phone_survey):
    pages = phone_survey["pages"]
    assert len(pages) > 20, f"only {len(pages)} pages built: {sorted(pages)}"
    wide = {path: p["width"] for path, p in pages.items() if p["width"] > PHONE["width"] + 1}
    assert not wide, f"pages wider than {PHONE['width']} px (screenshots in {SHOTS}): {wide}"


def test_wide_display_equations_scroll_on_their_own(phone):
    """A display equation wider than the phone scrolls inside its box, with a visible cue.

    Phones draw overlay scrollbars only while scrolling, so the box carries scroll shadows
    (gradients in its background, book/_static/book.css)."""
    phone.open("book/02-convolution-layers.html")
    boxes = phone.page.evaluate(
        """() => Array.from(document.querySelectorAll('mjx-container[display="true"]'))
             .filter(e => e.scrollWidth > e.clientWidth + 1)
             .map(e => [getComputedStyle(e).overflowX, getComputedStyle(e).backgroundImage])"""
    )
    assert boxes, "no display equation in chapter 02 is wider than 390 px: this checks nothing"
    assert {overflow for overflow, _ in boxes} <= {"auto", "scroll"}, boxes
    assert all(background.count("gradient(") == 4 for _, background in boxes), boxes


RAW_TEX = re.compile(r"\\(?:frac|text|mathrm|sum|cdot|left|right|begin|times)\b|\$\$|\\\(|\\\[")


def test_every_page_renders_its_math(phone_survey):
    """No raw TeX in the prose, no MathJax error and no visible backslash (e.g. from ``\\_``)."""
    problems, pages_with_math = {}, 0
    for path, found in phone_survey["pages"].items():
        pages_with_math += found["math"] > 0
        raw = RAW_TEX.findall(found["text"])
        if found["errors"] or found["slashes"] or raw:
            problems[path] = {
                "mathjax errors": found["errors"],
                "visible backslashes": found["slashes"],
                "raw TeX": raw[:5],
            }
    assert pages_with_math >= 10, f"only {pages_with_math} pages render math: is MathJax loading?"
    assert not problems, problems


def test_search_finds_the_receptive_field_chapter(desktop):
    with desktop.screenshot_on_failure("search"):
        desktop.open("search.html?q=receptive+field")
        results = desktop.page.locator("#search-results ul.search li a")
        results.first.wait_for(timeout=20_000)
        hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
        assert any("04-receptive-fields" in (h or "") for h in hrefs), hrefs


def test_no_request_leaves_the_site(desktop, phone_survey):
    for path in [CHAPTER, "search.html?q=convolution"]:
        desktop.open(path)
    desktop.page.wait_for_timeout(500)
    offsite = sorted(set(desktop.offsite + phone_survey["offsite"]))
    assert not offsite, f"requests to other hosts: {offsite[:10]}"


def test_no_script_error_on_any_page(phone_survey):
    """The duplicated thebe configuration raised a SyntaxError on every page."""
    assert phone_survey["pages"]
    assert not phone_survey["errors"], phone_survey["errors"][:5]
