"""Execute the book's notebooks in parallel into Jupyter Book's cache, and report their times.

Jupyter Book 1 (myst-nb, ``execute_notebooks: cache``) executes the pages one after another
while Sphinx reads them. This script fills the same jupyter-cache first, running independent
pages in parallel, so that the ``jupyter-book build`` that follows finds every page cached::

    python tools/book_cache.py execute [--jobs 2] [--cache _build/.jupyter_cache]
    python tools/book_cache.py report  [--cache _build/.jupyter_cache]

``execute`` reads every page of ``_toc.yml`` the way myst-nb does (the MyST extensions of
``_config.yml``), skips pages that are not notebooks, match ``execute.exclude_patterns`` or are
already cached (same code, same hash), and executes the rest, longest first (by their last
recorded time), in ``--jobs`` worker processes, each kernel with one OpenMP thread so the jobs
do not compete for cores. Executed notebooks are stored in the cache exactly as myst-nb would
store them. A page that fails is not cached: the build then executes it again and reports the
error as usual. ``report`` prints the execution time of the current version of every page (from
the cache's records) and their sum, so a regression is visible.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _toc_files(toc: dict) -> list[str]:
    files = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for key in ("root",):
                if key in node:
                    files.append(node[key])
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return list(dict.fromkeys(files))


def _pages(config: dict) -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    excluded = (config.get("execute") or {}).get("exclude_patterns") or []
    pages = []
    for name in _toc_files(toc):
        if any(fnmatch.fnmatch(name, pat) or fnmatch.fnmatch(name + ".md", pat) for pat in excluded):
            continue
        path = ROOT / f"{name}.md"
        if path.exists():
            pages.append(path)
    return pages


def _read(path: Path, extensions):
    """The notebook myst-nb builds from a MyST Markdown page, or None if the page is not one."""
    from myst_nb.core.config import NbParserConfig
    from myst_nb.core.read import create_nb_reader
    from myst_parser.config.main import MdParserConfig

    text = path.read_text()
    reader = create_nb_reader(str(path), MdParserConfig(enable_extensions=set(extensions)),
                              NbParserConfig(), text)
    if reader is None:
        return None, None
    return reader.read(text), reader.read_fmt


def _execute(path: str, nb_json: str, timeout: int):
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    os.environ["OMP_NUM_THREADS"] = "1"
    nb = nbformat.reads(nb_json, as_version=4)
    result = single_nb_execution(nb, cwd=str(Path(path).parent), timeout=timeout,
                                 allow_errors=False, meta_override=True)
    error = None if result.err is None else f"{type(result.err).__name__}: {result.err}"[:2000]
    return path, nbformat.writes(nb), result.time, error


def execute(cache_path: Path, jobs: int, only=None) -> int:
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    extensions = ((config.get("parse") or {}).get("myst_enable_extensions")) or []
    timeout = int((config.get("execute") or {}).get("timeout", 30))
    cache = get_cache(str(cache_path))
    last = {r.uri: r.data.get("execution_seconds", 0.0) for r in cache.list_cache_records()}
    todo = []
    for path in _pages(config):
        if only and str(path.relative_to(ROOT)) not in only:
            continue
        nb, read_fmt = _read(path, extensions)
        if nb is None or not any(c.cell_type == "code" for c in nb.cells):
            continue
        try:
            cache.match_cache_notebook(nb)
            continue  # already executed with this code
        except KeyError:
            todo.append((path, nb, read_fmt))
    if not todo:
        print("book_cache: every notebook is cached")
        return 0
    todo.sort(key=lambda item: -last.get(str(item[0]), 1e9))   # unknown (new) pages first
    print(f"book_cache: executing {len(todo)} notebooks with {jobs} jobs")
    start, failed = time.perf_counter(), 0
    formats = {str(p): fmt for p, _, fmt in todo}
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_execute, str(p), nbformat.writes(nb), timeout) for p, nb, _ in todo]
        for future in as_completed(futures):
            path, nb_json, seconds, error = future.result()
            rel = os.path.relpath(path, ROOT)
            if error is not None:
                failed += 1
                print(f"  {rel}: FAILED after {seconds:.0f} s ({error.splitlines()[0]}); "
                      "the build will run it again and show the error")
                continue
            record = cache.add_nb_to_project(path, read_data=formats[path])
            cache.cache_notebook_bundle(
                CacheBundleIn(nbformat.reads(nb_json, as_version=4), record.uri,
                              data={"execution_seconds": seconds}),
                check_validity=False, overwrite=True)
            print(f"  {rel}: {seconds:.1f} s", flush=True)
    print(f"book_cache: {len(todo) - failed} executed, {failed} failed, "
          f"{time.perf_counter() - start:.0f} s wall-clock")
    return 0


def report(cache_path: Path) -> int:
    from jupyter_cache import get_cache

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    extensions = ((config.get("parse") or {}).get("myst_enable_extensions")) or []
    cache = get_cache(str(cache_path))
    rows = []
    for path in _pages(config):
        nb, _ = _read(path, extensions)
        if nb is None or not any(c.cell_type == "code" for c in nb.cells):
            continue
        try:
            record = cache.match_cache_notebook(nb)
            rows.append((os.path.relpath(path, ROOT), record.data.get("execution_seconds"),
                         record.created.strftime("%Y-%m-%d %H:%M")))
        except KeyError:
            rows.append((os.path.relpath(path, ROOT), None, "not cached"))
    rows.sort(key=lambda r: -(r[1] or 0))
    width = max(len(r[0]) for r in rows)
    print(f"{'page':<{width}}  {'execution s':>11}  executed (UTC)")
    for name, seconds, when in rows:
        print(f"{name:<{width}}  {'-' if seconds is None else f'{seconds:11.1f}':>11}  {when}")
    total = sum(r[1] or 0 for r in rows)
    print(f"{'total (one after another)':<{width}}  {total:11.1f}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["execute", "report"])
    parser.add_argument("--cache", type=Path, default=ROOT / "_build" / ".jupyter_cache")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--pages", nargs="*", help="only these pages (paths like book/shapes.md)")
    args = parser.parse_args(argv)
    if args.command == "execute":
        return execute(args.cache, args.jobs, args.pages)
    return report(args.cache)


if __name__ == "__main__":
    sys.exit(main())
