"""Small Sphinx extension for what a reader of the built book sees.

* ``glue(...)`` calls (and ``from myst_nb import glue``) are dropped from the code cells shown on
  the page: they only hand numbers to the prose. A cell whose code becomes empty loses its input.
  The notebooks offered for download keep them, so the code still runs as written.
* Every chapter written as a MyST notebook (``.md`` with a ``kernelspec``) is converted to
  ``.ipynb`` with jupytext at build time and offered in the download menu.
* Each script is included once (sphinx-thebe registers its configuration twice, which raised
  ``Identifier 'THEBE_JS_URL' has already been declared``); thebe's scripts are left out while
  ``launch_buttons.thebe`` is off, and MathJax only loads on pages that contain math.
  (``book/_templates/static/webpack-macros.html`` leaves out the theme's ``fontawesome.js``.)
* With a launch button configured, a missing ``repository.url`` is a clear configuration error,
  and the chapter's ``.ipynb`` is written after the theme's launch code, which copied the executed
  notebook over it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from docutils import nodes

GLUE_IMPORT = re.compile(r"^\s*from\s+myst_nb\s+import\s+glue\s*$")


def _is_glue_call(stmt: ast.stmt) -> bool:
    if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
        return False
    func = stmt.value.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return name == "glue"


def _glue_only(stmt: ast.stmt) -> bool:
    """True for a glue call, and for a loop/if/with whose every statement is glue-only."""
    if _is_glue_call(stmt):
        return True
    if isinstance(stmt, ast.ImportFrom) and stmt.module == "myst_nb":
        return all(alias.name == "glue" for alias in stmt.names)
    if isinstance(stmt, (ast.For, ast.While, ast.If, ast.With)):
        body = list(stmt.body) + list(getattr(stmt, "orelse", []))
        return bool(body) and all(_glue_only(s) for s in body)
    return False


def _glue_lines(tree: ast.AST) -> set[int]:
    """1-based line numbers of the glue-only statements anywhere in ``tree``."""
    lines: set[int] = set()

    def visit(body: list[ast.stmt]) -> None:
        for stmt in body:
            if _glue_only(stmt):
                lines.update(range(stmt.lineno, stmt.end_lineno + 1))
                continue
            for field in ("body", "orelse", "finalbody"):
                visit(getattr(stmt, field, []) or [])
            for handler in getattr(stmt, "handlers", []) or []:
                visit(handler.body)

    visit(tree.body)
    return lines


def strip_glue(source: str) -> str:
    """Return ``source`` without its ``glue(...)`` calls, their import and loops made only of them.

    >>> strip_glue("x = 1\\nglue('x', x, display=False)\\nprint(x)")
    'x = 1\\nprint(x)'
    >>> strip_glue("from myst_nb import glue\\nfor k in ks:\\n    glue(k,\\n         1)\\n")
    ''
    >>> strip_glue("for k in ks:\\n    y = f(k)\\n    glue(k, y)\\n")
    'for k in ks:\\n    y = f(k)'
    """
    src_lines = source.splitlines()
    try:
        drop = _glue_lines(ast.parse(source))
    except SyntaxError:  # IPython magics: fall back to single-line calls
        drop = {
            i
            for i, line in enumerate(src_lines, 1)
            if line.lstrip().startswith("glue(") or GLUE_IMPORT.match(line)
        }
    kept = [line for i, line in enumerate(src_lines, 1) if i not in drop]
    return "\n".join(kept).strip("\n")


def _remove_glue_from_cells(app, doctree) -> None:
    for container in list(doctree.findall(nodes.container)):
        if "cell_input" not in container.get("classes", []):
            continue
        for block in list(container.findall(nodes.literal_block)):
            old = block.astext()
            if "glue" not in old:
                continue
            new = strip_glue(old)
            if new == old.strip("\n"):
                continue
            if not new.strip():
                block.parent.remove(block)
                continue
            block.children = [nodes.Text(new)]
            block.rawsource = new
        if not list(container.findall(nodes.literal_block)):
            cell = container.parent
            cell.remove(container)
            if cell is not None and not cell.children and cell.parent is not None:
                cell.parent.remove(cell)


def _is_md_notebook(app, pagename: str) -> Path | None:
    if pagename not in app.env.all_docs:
        return None
    path = Path(app.env.doc2path(pagename))
    if path.suffix != ".md":
        return None
    head = path.read_text(encoding="utf-8")[:2000]
    if not head.startswith("---") or "kernelspec:" not in head.split("\n---", 1)[0]:
        return None
    return path


def _offer_ipynb(app, pagename, templatename, context, doctree) -> None:
    """Name the ``.ipynb`` in the page's context, before the theme builds its download menu."""
    if _is_md_notebook(app, pagename) is not None and not context.get("ipynb_source"):
        context["ipynb_source"] = f"{pagename}.ipynb"


def _write_ipynb(app, pagename, templatename, context, doctree) -> None:
    """Write the chapter's notebook, converted with jupytext (text and code, no outputs).

    Runs after the theme: with a launch button configured, sphinx-book-theme copies the executed
    notebook (outputs and hidden cells included) over the same file."""
    path = _is_md_notebook(app, pagename)
    if path is None or context.get("ipynb_source") != f"{pagename}.ipynb":
        return
    import jupytext

    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    jupytext.write(jupytext.read(path), target, fmt="ipynb")


def _script_key(script) -> tuple:
    # Sphinx stores an inline script's filename as None or "" depending on who added it.
    attrs = getattr(script, "attributes", {}) or {}
    filename = getattr(script, "filename", script) or ""
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attrs.items() if v is not None)))


MATH_IN_HTML = re.compile(r'class="[^"]*\bmath\b|\\\(|\\\[|\$\$')


def _trim_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files") or []
    launch = (app.config.html_theme_options or {}).get("launch_buttons", {}) or {}
    thebe_on = str(launch.get("thebe", False)).lower() == "true"
    has_math = bool(MATH_IN_HTML.search(context.get("body", "") or ""))
    seen, kept = set(), []
    for script in scripts:
        key = _script_key(script)
        name, attrs = key[0], dict(key[1])
        body = str(attrs.get("body", ""))
        if key in seen:
            continue
        seen.add(key)
        if not thebe_on and ("sphinx-thebe" in name or "THEBE_JS_URL" in body):
            continue
        if not has_math and ("mathjax" in name.lower() or "window.MathJax" in body):
            continue
        kept.append(script)
    scripts[:] = kept
    styles = context.get("css_files")
    if styles and not thebe_on:
        styles[:] = [s for s in styles if "sphinx-thebe" not in str(getattr(s, "filename", s))]


LAUNCH_URLS = ("jupyterhub_url", "binderhub_url", "colab_url")


def _check_launch_buttons(app, config) -> None:
    """A launch button needs the repository it pulls: without ``repository.url``,
    sphinx-book-theme stopped the build with ``cannot unpack non-iterable NoneType object``."""
    theme = config.html_theme_options or {}
    launch = theme.get("launch_buttons") or {}
    chosen = [key for key in LAUNCH_URLS if str(launch.get(key) or "").strip()]
    if chosen and not str(theme.get("repository_url") or "").strip():
        from sphinx.errors import ConfigError

        raise ConfigError(
            f"launch_buttons.{chosen[0]} is set but repository.url is empty: the launch button "
            "opens the chapter from that repository (nbgitpuller clones it), so set "
            "repository.url (and repository.branch) in _config.yml too; see book/setup.md"
        )


def setup(app):
    app.connect("config-inited", _check_launch_buttons)
    app.connect("doctree-read", _remove_glue_from_cells)
    # Before sphinx-book-theme builds its header buttons (priority 501).
    app.connect("html-page-context", _offer_ipynb, priority=400)
    app.connect("html-page-context", _write_ipynb, priority=800)
    app.connect("html-page-context", _trim_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
