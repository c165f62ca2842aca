"""Checks on the built book (``make book`` writes ``_build/html``; ``make test`` builds it first).

The book must read fully offline: no script, stylesheet or font may come from another host, and
MathJax is served from the build. Every chapter must link to its exercise notebook, which the book
shows and offers for download.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
HTML = REPO / "_build" / "html"

pytestmark = pytest.mark.book


def toc_files() -> list[str]:
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("parts"))
    walk(toc.get("chapters"))
    return files


@pytest.fixture(scope="module")
def html():
    if not (HTML / "index.html").exists():
        pytest.fail("the book is not built: run `make book` (or `make test`, which builds it first)")
    return HTML


def test_every_toc_entry_is_built(html):
    missing = [f for f in toc_files() if not (html / f"{f}.html").exists()]
    assert not missing, f"pages in _toc.yml that were not built: {missing}"


def test_no_resource_is_loaded_from_another_host(html):
    remote = re.compile(r"""<(?:script|link|img|iframe)[^>]+(?:src|href)=["'](?:https?:)?//[^"']+""", re.I)
    offenders = {}
    for page in html.rglob("*.html"):
        hits = remote.findall(page.read_text(errors="replace"))
        if hits:
            offenders[str(page.relative_to(html))] = hits[:3]
    assert not offenders, f"pages loading resources from the network: {offenders}"


def test_css_loads_no_remote_fonts_or_imports(html):
    remote = re.compile(r"""(?:@import|url\()\s*["']?(?:https?:)?//""", re.I)
    offenders = [str(p.relative_to(html)) for p in html.rglob("*.css") if remote.search(p.read_text(errors="replace"))]
    assert not offenders, f"stylesheets fetching from the network: {offenders}"


def test_mathjax_is_served_from_the_build(html):
    assert (html / "_static" / "mathjax" / "tex-chtml.js").exists()
    assert (html / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").is_dir()
    pages_with_math = [p for p in html.rglob("*.html") if 'class="math' in p.read_text(errors="replace")]
    assert pages_with_math, "no page renders math, so this test checks nothing"
    for page in pages_with_math:
        text = page.read_text(errors="replace")
        assert re.search(r'src="[^"]*_static/mathjax/tex-chtml\.js', text), f"{page.name} does not load the local MathJax"


def chapter_slugs() -> list[str]:
    return [Path(f).name for f in toc_files() if re.match(r"book/\d\d-", f)]


@pytest.mark.parametrize("slug", chapter_slugs())
def test_chapter_links_to_its_exercise_and_offers_the_download(html, slug):
    page = (html / "book" / f"{slug}.html").read_text(errors="replace")
    assert f"exercises/{slug}/{slug}.html" in page, f"{slug} does not link to its exercise page"
    assert re.search(rf'href="[^"]*_downloads/[^"]*/{re.escape(slug)}\.ipynb"', page), f"{slug} has no download link for its notebook"
    assert (html / "exercises" / slug / f"{slug}.html").exists(), f"the exercise of {slug} is not in the book"


@pytest.mark.parametrize("slug", chapter_slugs())
def test_exercise_is_shown_unexecuted(html, slug):
    text = (html / "exercises" / slug / f"{slug}.html").read_text(errors="replace")
    assert "NotImplementedError" in text, "the exercise page should show the stubs students fill in"
    assert "Traceback" not in text, "the exercise page shows an executed error"
