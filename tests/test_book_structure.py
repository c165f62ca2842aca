"""The learning scaffolding of every chapter and the glossary, checked on the Markdown sources.

Every chapter ``book/NN-*.md`` must have, right after its title, an "Objectives and time" box
(3-5 objectives, reading, run and exercise time glued from ``book/_scaffold.py``), and, just before
its final "Exercise" section, "Check your understanding" (at least four questions, each answered in
a collapsed dropdown, at least one a prediction made before a code cell computes the answer),
"Going further" (at least two stretch exercises) and "References" (a bibliography of the papers the
chapter cites, every key in ``book/references.bib``). Every glossary term needs a definition, its
Chinese term and a link to the chapter that introduces it. These tests read the sources, so they run
without a book build; the build itself fails on a dangling ``{term}`` or ``{cite}``.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"
CHAPTERS = sorted(BOOK.glob("[01][0-9]-*.md"))
SLUGS = [p.stem for p in CHAPTERS]

CJK = re.compile(r"[\u4e00-\u9fff]")
CITE = re.compile(r"\{cite(?::[pt])?\}`([^`]+)`")
TERM = re.compile(r"\{term\}`(?:[^`<]*<([^>`]+)>|([^`]+))`")


def _scaffold():
    spec = importlib.util.spec_from_file_location("_scaffold", BOOK / "_scaffold.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def h2_sections(text: str) -> list[tuple[str, str]]:
    """(title, body) of every ``## `` section, outside code cells, in order."""
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return [(parts[i].strip(), parts[i + 1]) for i in range(1, len(parts), 2)]


def objectives_box(text: str) -> str:
    """The part of the page between the title and the first ``##`` section."""
    title = re.search(r"^# .+$", text, flags=re.M)
    assert title, "no '# ' title"
    first_h2 = re.search(r"^## ", text[title.end():], flags=re.M)
    return text[title.end(): title.end() + first_h2.start()]


def questions(body: str) -> list[str]:
    """The 'Check your understanding' body split at each bold question label ``**N.``."""
    return re.split(r"^\*\*\d+\.", body, flags=re.M)[1:]


def bib_entries() -> dict[str, str]:
    text = (BOOK / "references.bib").read_text()
    entry = re.compile(r"^@\w+\{([^,]+),(.*?)^\}", re.M | re.S)
    return {m.group(1): m.group(2) for m in entry.finditer(text)}


def glossary_terms() -> dict[str, str]:
    """Term (lower case) -> definition, parsed from the ``{glossary}`` directive."""
    text = (BOOK / "glossary.md").read_text()
    block = re.search(r"^```\{glossary\}\n(.*?)^```$", text, flags=re.M | re.S)
    assert block, "book/glossary.md has no ```{glossary} directive"
    terms: dict[str, str] = {}
    current = None
    for line in block.group(1).splitlines():
        if line and not line.startswith(" "):
            current = line.strip().lower()
            assert current not in terms, f"glossary term {current!r} defined twice"
            terms[current] = ""
        elif line.strip():
            assert current, f"definition line before any term: {line!r}"
            terms[current] += " " + line.strip()
    return terms


def test_there_are_twelve_chapters():
    assert len(CHAPTERS) == 12, SLUGS


@pytest.mark.parametrize("path", CHAPTERS, ids=SLUGS)
def test_objectives_and_time_right_after_the_title(path):
    box = objectives_box(path.read_text())
    assert "{admonition} Objectives and time" in box, f"{path.name}: no 'Objectives and time' box"
    assert "After this chapter you can" in box
    items = re.findall(r"^- ", box.split("After this chapter you can", 1)[1], flags=re.M)
    assert 3 <= len(items) <= 5, f"{path.name}: {len(items)} objectives, want 3 to 5"
    # every time figure is glued from a measurement or a stated rule, none typed in
    for key in ("read_min", "words", "wpm", "run_s", "ex_min", "ex_answers", "ex_lines"):
        assert f"`scaffold_{key}" in box, f"{path.name}: time box does not glue scaffold_{key}"
    assert f'_scaffold.start("{path.stem}")' in box, f"{path.name}: start() missing or wrong slug"
    time_text = box.split("**Time.**", 1)[1].split("\n````", 1)[0]
    assert not re.search(r"\d", re.sub(r"\{glue:text\}`[^`]*`", "", time_text)), (
        f"{path.name}: a number typed into the time paragraph"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=SLUGS)
def test_review_sections_come_just_before_the_exercise(path):
    titles = [t for t, _ in h2_sections(path.read_text())]
    assert titles[-4:] == ["Check your understanding", "Going further", "References", "Exercise"], (
        f"{path.name}: last sections are {titles[-4:]}"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=SLUGS)
def test_check_your_understanding(path):
    body = dict(h2_sections(path.read_text()))["Check your understanding"]
    qs = questions(body)
    assert len(qs) >= 4, f"{path.name}: {len(qs)} questions, want at least 4"
    for i, q in enumerate(qs, 1):
        assert "```{dropdown} Answer" in q, f"{path.name}: question {i} has no collapsed answer"
        answer = q.split("```{dropdown} Answer", 1)[1].split("\n```", 1)[0]
        assert len(answer.split()) >= 10, f"{path.name}: question {i}'s answer is too short"
    predictions = [q for q in qs if q.lstrip().startswith("Predict")]
    assert predictions, f"{path.name}: no 'Predict, then run' question"
    for q in predictions:
        before_answer = q.split("```{dropdown} Answer", 1)[0]
        assert "```{code-cell}" in before_answer, f"{path.name}: the prediction has no code cell"
        cell = before_answer.split("```{code-cell}", 1)[1]
        assert re.search(r"^:tags: \[.*hide-output.*\]$", cell, flags=re.M), (
            f"{path.name}: the prediction cell shows its output before the reader predicts"
        )
        assert "{glue:text}`cyu_" in q.split("```{dropdown} Answer", 1)[1], (
            f"{path.name}: the prediction's answer quotes no computed number"
        )


@pytest.mark.parametrize("path", CHAPTERS, ids=SLUGS)
def test_going_further(path):
    body = dict(h2_sections(path.read_text()))["Going further"]
    items = re.findall(r"^\d+\. \*\*", body, flags=re.M)
    assert len(items) >= 2, f"{path.name}: {len(items)} stretch exercises, want at least 2"


@pytest.mark.parametrize("path", CHAPTERS, ids=SLUGS)
def test_references(path):
    text = path.read_text()
    body = dict(h2_sections(text))["References"]
    found = re.search(
        r"```\{bibliography\}\n:labelprefix: (\d+)\.\n:filter: docname in docnames\n```", body
    )
    assert found, f"{path.name}: no per-chapter bibliography"
    # Numeric labels restart at 1 in every bibliography: without a prefix of its own, chapter 4's
    # [1] and chapter 5's [1] are duplicate labels (a warning, so an error, in the full build).
    assert int(found.group(1)) == int(path.name[:2]), f"{path.name}: label prefix is not its number"
    keys = {k.strip() for group in CITE.findall(text) for k in group.split(",")}
    assert len(keys) >= 2, f"{path.name}: cites {len(keys)} papers"
    missing = keys - set(bib_entries())
    assert not missing, f"{path.name}: keys not in references.bib: {sorted(missing)}"
    assert "_scaffold.finish()" in body, f"{path.name}: no _scaffold.finish() cell at the end"


def test_bibliography_entries_are_complete_and_used():
    entries = bib_entries()
    assert len(entries) >= 20
    cited = set()
    for path in CHAPTERS:
        cited |= {k.strip() for group in CITE.findall(path.read_text()) for k in group.split(",")}
    for key, body in entries.items():
        for field in ("author", "title", "year"):
            assert re.search(rf"^\s*{field}\s*=", body, flags=re.M), f"{key}: no {field}"
        assert re.search(r"^\s*(doi|eprint|url)\s*=", body, flags=re.M), f"{key}: no DOI or link"
        eprint = re.search(r"eprint = \{([^}]*)\}", body)
        if eprint:
            assert re.fullmatch(r"\d{4}\.\d{4,5}", eprint.group(1)), f"{key}: bad arXiv id"
            url = re.search(r"url = \{([^}]*)\}", body)
            assert url and url.group(1).endswith(eprint.group(1)), f"{key}: url and eprint differ"
    assert set(entries) <= cited, f"entries no chapter cites: {sorted(set(entries) - cited)}"


def test_issue_papers_are_in_the_bibliography():
    titles = " ".join(bib_entries().values()).lower()
    for words in [
        "gradient-based learning applied to document recognition",
        "imagenet} classification with deep convolutional",
        "very deep convolutional networks",
        "network in network",
        "going deeper with convolutions",
        "deep residual learning",
        "delving deep into rectifiers",
        "batch normalization: accelerating",
        "how does batch normalization help",
        "dropout: a simple way",
        "regularization of convolutional neural networks with cutout",
        "random erasing data augmentation",
        "mixup: beyond empirical risk",
        "regularization strategy to train strong classifiers",
        "how transferable are features",
        "a guide to convolution arithmetic",
        "effective receptive field",
        "shift-invariant again",
        "spatiotemporal features with {3d}",
        "dilated convolutions",
        "checkerboard artifacts",
        "efficient object localization",
        "learning dense volumetric segmentation",
    ]:
        assert words in titles, f"no bibliography entry titled like {words!r}"


def test_glossary_terms_have_definition_chinese_and_chapter():
    terms = glossary_terms()
    assert len(terms) >= 50
    for term, definition in terms.items():
        assert "中文:" in definition, f"{term}: no Chinese term"
        before, chinese = definition.split("中文:", 1)
        assert len(before.split()) >= 8 and "." in before, f"{term}: no one-sentence definition"
        assert CJK.search(chinese.split("Introduced in")[0]), f"{term}: Chinese term has no Chinese"
        link = re.search(r"Introduced in \{doc\}`([^`]+)`", definition)
        assert link, f"{term}: no chapter link"
        assert link.group(1) in SLUGS, f"{term}: links to {link.group(1)!r}, not a chapter"


def test_cutout_is_not_random_erasing():
    terms = glossary_terms()
    cutout = terms["cutout"].split("中文:", 1)[1].split("Introduced in")[0]
    erasing = terms["random erasing"].split("中文:", 1)[1].split("Introduced in")[0]
    assert "随机擦除" in erasing
    assert not cutout.strip().startswith("随机擦除") and "不是随机擦除" in cutout


def test_every_term_role_names_a_glossary_term():
    terms = glossary_terms()
    for path in [*CHAPTERS, BOOK / "glossary.md"]:
        for labelled, plain in TERM.findall(path.read_text()):
            name = " ".join((labelled or plain).split()).lower()
            assert name in terms, f"{path.name}: {{term}} {name!r} is not in the glossary"


@pytest.mark.parametrize("path", CHAPTERS, ids=SLUGS)
def test_chapter_links_glossary_terms(path):
    used = {" ".join((a or b).split()).lower() for a, b in TERM.findall(path.read_text())}
    assert len(used) >= 3, f"{path.name}: links only {sorted(used)} to the glossary"


def test_every_chapter_introduces_some_glossary_term():
    linked = set(re.findall(r"Introduced in \{doc\}`([^`]+)`", (BOOK / "glossary.md").read_text()))
    assert linked == set(SLUGS), f"chapters no glossary term points to: {set(SLUGS) - linked}"


def test_scaffold_counts():
    sc = _scaffold()
    page = "---\nkernelspec: {}\n---\n# Title\n\nOne two three.\n\n"
    page += "```{code-cell} ipython3\nx = 1\n```\n"
    page += "See {term}`receptive field` here.\n"
    assert sc.prose_words(page) == 7  # Title One two three. See here., the role counts as one
    assert sc.reading_minutes(1) == 1
    assert sc.reading_minutes(200) == 1 and sc.reading_minutes(201) == 2
    for slug in SLUGS:
        answers, lines = sc.solution_size(slug)
        nb = json.loads((REPO / "solutions" / slug / f"{slug}.ipynb").read_text())
        flags = [c.get("metadata", {}).get("nbgrader", {}) for c in nb["cells"]]
        graded = [f for f in flags if f.get("solution") and not f.get("grade")]
        assert answers == len(graded) >= 1
        assert lines >= answers
        minutes = sc.exercise_minutes(slug)
        assert minutes % 5 == 0
        estimate = sc.MINUTES_PER_ANSWER * answers + sc.MINUTES_PER_LINE * lines
        assert minutes - 5 < estimate <= minutes


PAGES = sorted(BOOK.glob("*.md"))
CODE_WIDTH = 88


def _book_reader():
    spec = importlib.util.spec_from_file_location("book_reader", BOOK / "_ext" / "book_reader.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def code_cells(text: str) -> list[tuple[int, list[str], list[str]]]:
    """(line number of the first code line, option lines, code lines) of every code cell."""
    lines = text.split("\n")
    found = []
    i = 0
    while i < len(lines):
        if lines[i].startswith("```{code-cell}"):
            j = i + 1
            while j < len(lines) and lines[j].startswith(":"):
                j += 1
            k = j
            while k < len(lines) and lines[k] != "```":
                k += 1
            found.append((j + 1, lines[i + 1 : j], lines[j:k]))
            i = k
        i += 1
    return found


def long_visible_code_lines(path: Path, root: Path = REPO) -> list[str]:
    """``file:line (width)`` of every code line a reader sees that is wider than CODE_WIDTH.

    Cells tagged ``remove-cell`` or ``remove-input`` are not shown, and neither are the
    ``glue(...)`` statements that ``book/_ext/book_reader.py`` drops from the page.
    """
    reader = _book_reader()
    long = []
    for first, options, code in code_cells(path.read_text()):
        if any("remove-cell" in o or "remove-input" in o for o in options):
            continue
        source = "\n".join("pass" if c.startswith("%") else c for c in code)  # magics
        hidden = reader._glue_lines(ast.parse(source))
        for n, line in enumerate(code, 1):
            if len(line) > CODE_WIDTH and n not in hidden:
                long.append(f"{path.relative_to(root)}:{first + n - 1} ({len(line)} columns)")
    return long


@pytest.mark.parametrize("path", PAGES, ids=[p.stem for p in PAGES])
def test_visible_code_lines_fit_88_columns(path):
    long = long_visible_code_lines(path)
    assert not long, f"code lines wider than {CODE_WIDTH} columns:\n" + "\n".join(long)


def test_the_code_width_check_finds_a_long_line(tmp_path):
    page = tmp_path / "page.md"
    wide = "x = " + "1 + " * 30 + "1"
    page.write_text(
        "# t\n\n```{code-cell} ipython3\n%matplotlib inline\nshort = 1\n"
        f"{wide}\nglue('n', {wide}, display=False)\n```\n\n"
        f"```{{code-cell}} ipython3\n:tags: [remove-cell]\n{wide}\n```\n"
    )
    assert long_visible_code_lines(page, tmp_path) == [f"page.md:6 ({len(wide)} columns)"]


@pytest.mark.book
def test_a_dangling_term_or_citation_fails_the_build(tmp_path):
    """A small book with the course's glossary, bibliography and Sphinx settings, no execution.

    The glossary's chapter links are replaced by plain text (the chapters are not in this book).
    A page that links a real term and cites a real paper builds; with a misspelt term and an
    unknown citation key added, the build fails and names both.
    """
    import subprocess
    import sys

    import yaml

    config = yaml.safe_load((REPO / "_config.yml").read_text())
    small = {
        "title": "scaffold check",
        "execute": {"execute_notebooks": "off"},
        "bibtex_bibfiles": ["references.bib"],
        "sphinx": {"config": {k: v for k, v in config["sphinx"]["config"].items()
                              if k.startswith(("bibtex", "suppress_warnings", "nitpick"))}},
    }
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(small))
    toc = "format: jb-book\nroot: page\nchapters:\n  - file: glossary\n"
    (tmp_path / "_toc.yml").write_text(toc)
    glossary = re.sub(r"\{doc\}`([^`]+)`", r"\1", (BOOK / "glossary.md").read_text())
    (tmp_path / "glossary.md").write_text(glossary)
    (tmp_path / "references.bib").write_text((BOOK / "references.bib").read_text())
    good = "# Page\n\nA {term}`receptive field` {cite:p}`luo2016understanding`.\n\n"
    good += "```{bibliography}\n:filter: docname in docnames\n```\n"
    jb = Path(sys.executable).with_name("jupyter-book")

    def build(text):
        (tmp_path / "page.md").write_text(text)
        return subprocess.run([str(jb), "build", str(tmp_path), "-W", "-n", "--keep-going"],
                              capture_output=True, text=True, timeout=300)

    ok = build(good)
    assert ok.returncode == 0, ok.stdout[-3000:] + ok.stderr[-3000:]
    dangling = " {term}`receptive feld` {cite:p}`nobody2099nothing`"
    bad = build(good.replace("\n\n```{bibliography}", dangling + "\n\n```{bibliography}", 1))
    assert bad.returncode != 0
    assert "term not in glossary: 'receptive feld'" in bad.stdout + bad.stderr
    assert 'could not find bibtex key "nobody2099nothing"' in bad.stdout + bad.stderr
