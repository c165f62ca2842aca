"""Checks on the built book (``make book`` writes ``_build/html``; ``make test`` builds it first).

The book must read fully offline: no script, stylesheet or font may come from another host, and
MathJax is served from the build. Every chapter must link to its exercise notebook, which the book
shows and offers for download.
"""

from __future__ import annotations

import re
import sys
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


# --- What a reader meets (book/_ext/book_reader.py, book/_static/book.css, book/_templates) ---

sys.path.insert(0, str(REPO / "book" / "_ext"))
from book_reader import MATH_IN_HTML, strip_glue  # noqa: E402

GLUE_IN_HTML = re.compile(r'<span class="n">glue</span><span class="p">\(')


def test_strip_glue_drops_calls_their_import_and_loops_made_only_of_them():
    src = (
        "from myst_nb import glue\n"
        "x = f(1)\n"
        "glue('x', x,\n"
        "     display=False)\n"
        "for k, v in d.items():\n"
        "    glue(k, v, display=False)\n"
        "for k in ks:\n"
        "    y = g(k)\n"
        "    glue(k, y)\n"
        "print(x)  # glue('in a comment') stays\n"
    )
    assert strip_glue(src) == (
        "x = f(1)\nfor k in ks:\n    y = g(k)\nprint(x)  # glue('in a comment') stays"
    )
    assert strip_glue("glue('a', 1)\nglue('b', 2)") == ""
    assert strip_glue("%time x = 1\nglue('x', x)") == "%time x = 1"  # not Python: line by line
    assert strip_glue("gluex = 1\nmyglue(2)") == "gluex = 1\nmyglue(2)"


def test_code_cells_show_no_glue_calls(html):
    sources = [p for p in (REPO / "book").glob("*.md") if "glue(" in p.read_text()]
    assert sources, "no chapter calls glue(): this test checks nothing"
    shown = {
        p.name: len(GLUE_IN_HTML.findall((html / "book" / f"{p.stem}.html").read_text()))
        for p in sources
    }
    assert not any(shown.values()), f"glue( calls shown in code cells: {shown}"


@pytest.mark.parametrize("slug", chapter_slugs())
def test_chapter_is_offered_as_a_notebook(html, slug):
    import nbformat

    notebook = html / "_sources" / "book" / f"{slug}.ipynb"
    assert notebook.exists(), f"{slug}: no .ipynb generated for download"
    nb = nbformat.read(notebook, as_version=4)
    nbformat.validate(nb)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    source_glues = "glue(" in (REPO / "book" / f"{slug}.md").read_text()
    assert code, f"{slug}: the notebook has no code cells"
    assert any("glue(" in c for c in code) == source_glues, "the download must keep glue() calls"
    page = (html / "book" / f"{slug}.html").read_text()
    assert re.search(rf'href="[^"]*_sources/book/{re.escape(slug)}\.ipynb"', page), (
        f"{slug}: the download menu does not offer the .ipynb"
    )


def test_chapters_open_as_notebooks_with_jupytext():
    import jupytext

    for slug in chapter_slugs():
        nb = jupytext.read(REPO / "book" / f"{slug}.md")
        assert nb.metadata["kernelspec"]["name"] == "python3", slug
        assert sum(c.cell_type == "code" for c in nb.cells) >= 3, slug


def _pages(html):
    return [p for p in html.rglob("*.html") if "_static" not in p.parts]


def test_each_script_is_included_once_and_thebe_only_when_enabled(html):
    thebe_on = bool(yaml.safe_load((REPO / "_config.yml").read_text())["launch_buttons"]["thebe"])
    tag = re.compile(r"<script\b[^>]*>.*?</script>", re.S)
    for page in _pages(html):
        scripts = [s for s in tag.findall(page.read_text()) if "text/x-thebe-config" not in s]
        dupes = {s[:80] for s in scripts if scripts.count(s) > 1}
        assert not dupes, f"{page.relative_to(html)} repeats scripts: {dupes}"
        if not thebe_on:
            assert "THEBE_JS_URL" not in " ".join(scripts), page.relative_to(html)


def test_mathjax_loads_only_on_pages_with_math(html):
    with_math = without = 0
    for page in _pages(html):
        text = page.read_text()
        body = text.split('<main', 1)[-1]
        has_math = bool(MATH_IN_HTML.search(body))
        loads = "tex-chtml.js" in text
        assert loads == has_math, f"{page.relative_to(html)}: math={has_math}, MathJax={loads}"
        with_math += has_math
        without += not has_math
    assert with_math and without, (with_math, without)


def test_one_sidebar_toggle_per_page(html):
    """pydata-sphinx-theme binds its handler to the first .primary-toggle (issue 2451)."""
    for page in _pages(html):
        text = page.read_text()
        if "bd-sidebar-primary" in text:
            assert text.count("primary-toggle") == 1, page.relative_to(html)


def test_no_backslash_escapes_inside_text_in_math():
    r"""``\text{output\_padding}`` shows its backslash in MathJax; ``\mathrm{..\_..}`` does not."""
    bad = re.compile(r"\\+text\{[^}]*\\+_")
    files = [*(REPO / "book").glob("*.md"), *REPO.glob("solutions/*/*.ipynb"),
             *REPO.glob("exercises/*/*.ipynb")]  # fmt: skip
    assert len(files) > 20
    offenders = [str(f.relative_to(REPO)) for f in files if bad.search(f.read_text())]
    assert not offenders, offenders


def test_no_page_prints_the_builders_home_folder(html):
    home = str(Path.home())
    assert len(home) > 1
    pages = html.glob("book/*.html")
    offenders = [str(p.relative_to(html)) for p in pages if home + "/" in p.read_text()]
    assert not offenders, f"pages printing paths under {home}: {offenders}"
