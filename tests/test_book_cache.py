"""tools/book_cache.py: which pages it executes, and that it reads them as myst-nb does."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("book_cache", REPO / "tools" / "book_cache.py")
book_cache = importlib.util.module_from_spec(spec)
spec.loader.exec_module(book_cache)


def test_pages_are_the_toc_notebooks_without_exercises():
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    pages = [str(p.relative_to(REPO)) for p in book_cache._pages(config)]
    assert "book/10-data-augmentation.md" in pages and "book/appendix-fast-training.md" in pages
    assert not any(p.startswith("exercises/") for p in pages)
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    assert len(book_cache._toc_files(toc)) > len(pages)          # the exercises were left out


def test_reader_finds_code_cells_and_skips_plain_markdown():
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    ext = config["parse"]["myst_enable_extensions"]
    nb, fmt = book_cache._read(REPO / "book" / "10-data-augmentation.md", ext)
    assert fmt is not None and sum(c.cell_type == "code" for c in nb.cells) > 10
    assert book_cache._read(REPO / "book" / "glossary.md", ext) == (None, None)
