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
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
# $BOOK_HTML: another build to check (e.g. a one-page build from `make page`, for a quick look).
HTML = Path(os.environ.get("BOOK_HTML") or REPO / "_build" / "html")
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


@contextlib.contextmanager
def serve(directory: Path):
    """A built book served on 127.0.0.1 for the length of the block; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site():
    if not (HTML / "index.html").exists():
        pytest.fail("the book is not built: run `make book` (`make test` builds it first)")
    with serve(HTML) as url:
        yield url


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
  // the width inline text may take: the article's content box
  const box = getComputedStyle(article);
  const content = article.clientWidth - parseFloat(box.paddingLeft) - parseFloat(box.paddingRight);
  const inline = [];
  if (window.MathJax && MathJax.startup && MathJax.startup.document) {
    for (const item of MathJax.startup.document.math) {
      if (item.display || !item.typesetRoot) continue;
      inline.push([item.math, item.typesetRoot.getBoundingClientRect().width]);
    }
  }
  return {
    width: document.documentElement.scrollWidth,
    math: document.querySelectorAll('mjx-container').length,
    errors: document.querySelectorAll('mjx-merror').length,
    slashes: document.querySelectorAll('mjx-container mjx-c.mjx-c5C').length,
    text: clone.textContent,
    content: content,
    inline: inline,
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


def test_no_inline_formula_is_wider_than_a_phone_s_text_column(phone_survey):
    """Inline math cannot wrap or scroll: a formula wider than the article's text column at
    390 px would widen the page or be cut off. Each is measured against the column's width."""
    wide, count, widest = [], 0, 0.0
    for path, found in phone_survey["pages"].items():
        for tex, width in found["inline"]:
            count += 1
            widest = max(widest, width / found["content"])
            if width > found["content"]:
                wide.append(f"{path}: ${tex}$ is {width:.0f} px, column {found['content']:.0f}")
    assert count > 100, f"only {count} inline formulas measured: is MathJax typesetting?"
    assert not wide, "\n".join(wide)
    assert 0 < widest <= 1


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


# -- page weight and icons ------------------------------------------------------------------------
# What a chapter page may load with an empty browser cache, in bytes: the page, the theme (about
# 0.6 MB), MathJax and its fonts (about 1.3 MB) and the figures. fontawesome.js alone was 1.49 MB
# (book/_templates/static/webpack-macros.html leaves it out).
CHAPTER_BYTES = 2_800_000


def test_a_chapter_page_is_light_and_its_icons_still_show(browser, site):
    reader = Reader(browser, site, DESKTOP)
    sizes: dict[str, int] = {}
    reader.page.on(
        "requestfinished", lambda req: sizes.__setitem__(req.url, req.sizes()["responseBodySize"])
    )
    try:
        with reader.screenshot_on_failure("page-weight"):
            reader.open(CHAPTER)
            page = reader.page
            page.evaluate("() => document.fonts.ready.then(() => 1)")
            page.wait_for_load_state("networkidle")
            total = sum(sizes.values())
            heaviest = sorted(sizes.items(), key=lambda kv: -kv[1])[:5]
            assert total < CHAPTER_BYTES, f"{CHAPTER} loads {total} bytes: {heaviest}"
            assert not [u for u in sizes if "fontawesome.js" in u], sorted(sizes)
            assert any(CHAPTER in u for u in sizes), sorted(sizes)
            icons = {
                "sidebar toggle": ".primary-toggle .fa-bars",
                "search": ".search-button__button .fa-magnifying-glass",
                "theme switch": ".theme-switch-button .theme-switch",
                "download": ".dropdown-download-buttons .fa-download",
            }
            for name, selector in icons.items():
                drawn = [
                    e
                    for e in page.query_selector_all(selector)
                    if e.is_visible() and (e.bounding_box() or {}).get("width", 0) > 0
                ]
                assert drawn, f"the {name} icon ({selector}) is not drawn"
                glyph = drawn[0].evaluate(
                    "e => [getComputedStyle(e, '::before').content, getComputedStyle(e).fontFamily]"
                )
                assert glyph[0] not in ("", "none", "normal") and "Font Awesome" in glyph[1], (
                    name,
                    glyph,
                )
            loaded = page.evaluate(
                "() => Array.from(document.fonts).filter(f => f.family.includes('Font Awesome')"
                " && f.status === 'loaded').map(f => f.family + ' ' + f.weight)"
            )
            assert "Font Awesome 6 Free 900" in loaded, loaded
        assert not reader.errors, reader.errors
    finally:
        reader.close()


# -- launch buttons to a JupyterHub ---------------------------------------------------------------
HUB = "https://hub.example.edu"
COURSE_REPO = "https://github.com/example-org/cnn-course"
HUB_CHAPTER = "04-receptive-fields"


def _one_page_build(out: Path, chapter: str, **changes) -> subprocess.CompletedProcess:
    """Build one chapter (with the pages it links to and its exercise) as `make page` does, from
    a copy of ``_config.yml`` with ``changes`` (section -> keys) applied; executed pages come
    from the book's cache when `make book` has filled it."""
    cfg = yaml.safe_load((REPO / "_config.yml").read_text())
    for section, values in changes.items():
        cfg.setdefault(section, {}).update(values)
    local = cfg["sphinx"]["local_extensions"]
    for name, path in local.items():
        local[name] = str(REPO / path)
    ignore = cfg["sphinx"]["config"].setdefault("nitpick_ignore_regex", [])
    ignore += [["std:doc", r"(/book/)?(0[1-9]|1[0-2])-[a-z0-9-]+"],
               ["std:doc", r"(/book/)?appendix-[a-z0-9-]+"]]  # fmt: skip
    cache = REPO / "_build" / ".jupyter_cache"
    if cache.is_dir():
        cfg["execute"]["cache"] = str(cache)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.yml").write_text(yaml.safe_dump(cfg, allow_unicode=True))
    toc = f"format: jb-book\nroot: book/{chapter}\nchapters:\n"
    for page in ("book/glossary", "book/intro", "book/setup", "book/shapes",
                 f"exercises/{chapter}/{chapter}"):  # fmt: skip
        toc += f"  - file: {page}\n"
    (out / "toc.yml").write_text(toc)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(REPO), "--toc", str(out / "toc.yml"),
           "--config", str(out / "config.yml"), "--path-output", str(out),
           "-W", "-n", "--keep-going"]  # fmt: skip
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env, cwd=REPO)


@pytest.fixture(scope="module")
def hub_book(tmp_path_factory):
    out = tmp_path_factory.mktemp("hub-book")
    run = _one_page_build(
        out, HUB_CHAPTER,
        launch_buttons={"jupyterhub_url": HUB}, repository={"url": COURSE_REPO, "branch": "main"},
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    return out / "_build" / "html"


def _hub_link(reader: Reader, path: str) -> str:
    reader.open(path)
    page = reader.page
    page.locator(".dropdown-launch-buttons button").first.click()
    link = page.locator(".dropdown-launch-buttons a", has_text="JupyterHub").first
    link.wait_for(state="visible")
    return link.get_attribute("href") or ""


def test_launch_button_opens_the_page_on_the_jupyterhub_with_nbgitpuller(browser, hub_book):
    """With ``launch_buttons.jupyterhub_url`` and ``repository.url`` set, the chapter and its
    exercise carry a JupyterHub launch link (nbgitpuller: clone the course, open the file in
    JupyterLab) to a file that exists in the repository; the build stays offline (-W) and the
    page still loads nothing from another host."""
    with serve(hub_book) as url:
        reader = Reader(browser, url, DESKTOP)
        try:
            with reader.screenshot_on_failure("hub-launch"):
                links = {
                    f"book/{HUB_CHAPTER}.md": _hub_link(reader, f"book/{HUB_CHAPTER}.html"),
                    f"exercises/{HUB_CHAPTER}/{HUB_CHAPTER}.ipynb": _hub_link(
                        reader, f"exercises/{HUB_CHAPTER}/{HUB_CHAPTER}.html"
                    ),
                }
            assert not reader.offsite, reader.offsite
            assert not reader.errors, reader.errors
        finally:
            reader.close()
    repo_name = COURSE_REPO.rsplit("/", 1)[1]
    for file, href in links.items():
        link = urlparse(href)
        assert f"{link.scheme}://{link.netloc}" == HUB, href
        assert link.path == "/hub/user-redirect/git-pull", href
        query = {key: values[0] for key, values in parse_qs(link.query).items()}
        assert query == {
            "repo": COURSE_REPO,
            "branch": "main",
            "urlpath": f"lab/tree/{repo_name}/{file}",
        }, href
        assert (REPO / file).is_file(), f"the launch link opens {file}, not in the repository"
    # the download menu's notebook is still jupytext's conversion (the theme's launch code
    # copied the executed notebook, outputs and hidden cells, over it)
    nb = json.loads((hub_book / "_sources" / "book" / f"{HUB_CHAPTER}.ipynb").read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and not any(c["outputs"] for c in code)


def test_a_launch_url_without_a_repository_is_a_clear_config_error(tmp_path):
    run = _one_page_build(tmp_path, HUB_CHAPTER, launch_buttons={"jupyterhub_url": HUB})
    assert run.returncode != 0
    assert "launch_buttons.jupyterhub_url is set but repository.url is empty" in (
        run.stdout + run.stderr
    )
