"""Run pandoc through pypandoc, always the binary of the pinned ``pypandoc-binary`` wheel.

Pandoc's options live in defaults files (``templates/pandoc/*.yaml``); what a
build computes (escaped metadata for ``<meta>`` tags, the PDF's document
properties) goes into a defaults file of its own under the build folder,
never onto the command line, whatever its size. A failed run becomes a
:class:`~livingreview.errors.ConversionError` that names the template and
line pandoc could not compile, or the file it could not convert.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from .errors import ConversionError
from .files import pandoc_yaml, write_atomic
from .templates import shown_path

# Pandoc's user data folder, for every run: one that holds nothing (a file, not a folder), so that pandoc
# takes its built-in data (the DOCX reference document, default templates, translations) and never the
# user's own (~/.local/share/pandoc, ~/.pandoc), which a clean machine does not have.
DATA_DIR = f"--data-dir={os.devnull}"


def binary() -> Path:
    """The pandoc binary shipped in the pypandoc-binary wheel (the one requirements.lock pins)."""
    import importlib.util

    spec = importlib.util.find_spec("pypandoc")
    path = Path(spec.origin).parent / "files" / "pandoc" if spec and spec.origin else None
    if path is None or not path.is_file():
        raise ConversionError("requirements.lock", None, "pandoc from the pypandoc-binary package is not installed",
                              "run `make review`, which installs the pinned environment into .venv")
    return path


def _pypandoc():
    """pypandoc, told to use :func:`binary` and nothing else (never a pandoc found on PATH, which it
    would otherwise prefer when newer)."""
    import pypandoc

    pinned = str(binary())
    if os.environ.get("PYPANDOC_PANDOC") != pinned:
        os.environ["PYPANDOC_PANDOC"] = pinned
        pypandoc.clean_pandocpath_cache()
        pypandoc.clean_version_cache()
    return pypandoc


def version() -> str:
    """The version of the pinned pandoc (e.g. ``3.9``)."""
    return _pypandoc().get_pandoc_version()


def write_defaults(path: str | Path, template: str | Path, variables: dict[str, str]) -> str:
    """A pandoc defaults file at *path* that sets the *template* (the review's own or the shared one)
    and template *variables* (literal strings, however long)."""
    return write_options(path, {"template": str(template), "variables": dict(sorted(variables.items()))})


def write_options(path: str | Path, options: dict) -> str:
    """A pandoc defaults file at *path* with *options* (e.g. ``csl``, ``metadata-files``, ``metadata``)."""
    write_atomic(path, pandoc_yaml(options))
    return str(path)


def convert(source: str | Path, to: str, defaults: list[str | Path], reader: str | None = None, *,
            to_bytes: bool = False) -> str | bytes:
    """Convert the file *source* with the *defaults* files (later ones win) and return the output.

    *to* must be the writer the defaults name (pypandoc asks for it). The
    defaults name the reader (Markdown); *reader* overrides it, e.g.
    ``json`` for the syntax tree pandoc has read already (rule ``ast``). With
    *to_bytes* (DOCX), pandoc writes to its standard output and the bytes are returned.
    """
    pypandoc = _pypandoc()
    args = [DATA_DIR, *(f"--defaults={d}" for d in defaults)] + ([f"--from={reader}"] if reader else [])
    try:
        return pypandoc.convert_file(str(source), to, format=reader or "markdown", extra_args=args,
                                     verify_format=False, outputfile="-" if to_bytes else None)
    except RuntimeError as exc:
        raise pandoc_error(str(exc), str(source), [str(d) for d in defaults]) from None


def ast_text(ast: dict) -> str:
    """The syntax tree *ast* as the JSON text pandoc reads. A stage that has no more use for the tree passes
    this text to :func:`write_ast` instead, and drops the tree first: while pandoc, which takes some 30
    bytes per byte of it, holds the article, the stage holds one copy of it, the text."""
    return json.dumps(ast)


def read_ast(source: str | Path, defaults: list[str | Path]) -> dict:
    """Pandoc's syntax tree (its JSON) of the Markdown file *source*, read with the *defaults* files
    (which may run citeproc: then the citations and the bibliography are formatted in the tree)."""
    return json.loads(convert(source, "json", defaults))


def write_ast(ast: dict | str, to: str, defaults: list[str | Path], label: str, *,
              to_bytes: bool = False) -> str | bytes:
    """Write the syntax tree *ast* (or its JSON text, :func:`ast_text`) in format *to* with the *defaults*
    files; *label* names the document in an error (the file the tree was read from). With *to_bytes*
    (DOCX), the bytes are returned."""
    pypandoc = _pypandoc()
    # --from after the defaults, which may name a reader
    args = [DATA_DIR, *(f"--defaults={d}" for d in defaults), "--from=json"]
    text = ast if isinstance(ast, str) else ast_text(ast)
    try:
        return pypandoc.convert_text(text, to, format="json", extra_args=args, verify_format=False,
                                     outputfile="-" if to_bytes else None)
    except RuntimeError as exc:
        raise pandoc_error(str(exc), label, [str(d) for d in defaults]) from None


# --- pandoc's syntax tree (its JSON) -----------------------------------------------

# Inline elements whose content is a list of inlines (styling only).
STYLED = {"Emph", "Strong", "Strikeout", "Superscript", "Subscript", "SmallCaps", "Underline"}
# The marks around a quotation (pandoc's Quoted): as a reader's text has them, and as pandoc's stringify.
STRAIGHT = {"DoubleQuote": ('"', '"'), "SingleQuote": ("'", "'")}
CURLY = {"DoubleQuote": ("\u201c", "\u201d"), "SingleQuote": ("\u2018", "\u2019")}


def plain(inlines: list[dict], stringify: bool = False) -> str:
    """The text of pandoc inline elements (syntax tree) as a reader sees it: styling, links, escapes and
    notes gone, quotes straight, raw text as written. With *stringify*, pandoc's own ``stringify`` (what
    its citeproc compares): quotes curly, a citation's prefix and suffix before its text, raw text left out
    (an HTML ``<br>`` a space)."""
    out = []
    for node in inlines:
        kind, content = node["t"], node.get("c")
        if kind == "Str":
            out.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif kind in STYLED:
            out.append(plain(content, stringify))
        elif kind == "Quoted":
            left, right = (CURLY if stringify else STRAIGHT)[content[0]["t"]]
            out.append(left + plain(content[1], stringify) + right)
        elif kind == "Cite" and stringify:
            out += [plain(c["citationPrefix"], True) + plain(c["citationSuffix"], True) for c in content[0]]
            out.append(plain(content[1], True))
        elif kind in ("Link", "Image", "Span", "Cite"):
            out.append(plain(content[1], stringify))
        elif kind in ("Code", "Math"):
            out.append(content[1])
        elif kind == "RawInline":
            out.append((" " if content == ["html", "<br>"] else "") if stringify else content[1])
    return "".join(out)


_MISSING_RESOURCE = re.compile(r"Could not fetch resource (\S+?):? ")
_PANDOC_TEMPLATE = re.compile(r'Error compiling template "([^"]+)" \(line (\d+), column (\d+)\):\s*(.*)', re.DOTALL)


def pandoc_error(message: str, source: str, defaults: list[str]) -> ConversionError:
    """The error for a failed pandoc run (pypandoc's message with pandoc's own): the template and line
    when pandoc names them."""
    text = message.split("during conversion:", 1)[-1].strip()
    match = _PANDOC_TEMPLATE.search(text)
    if match:
        file, line, column, detail = match.groups()
        detail = " ".join(detail.split())
        return ConversionError(shown_path(file), f"line {line}, column {column}",
                               f"pandoc cannot read this template: {detail[:300]}",
                               "fix the template syntax ($variable$, $if(x)$...$endif$, $for(x)$...$endfor$), "
                               "or restore the file from version control", line=int(line))
    missing = _MISSING_RESOURCE.search(text)
    if missing:
        return ConversionError(source, None, f'the image "{missing.group(1)}" that the article shows cannot be found',
                               "put the image there (a path relative to the review folder, or to the article), "
                               "or correct its path in the template that shows it")
    return ConversionError(source, None, f"pandoc failed: {' '.join(text.split())[:600]}",
                           "check the pandoc options in " + " and ".join(map(shown_path, defaults))
                           + " and the templates they name")
