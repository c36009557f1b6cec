"""Run pandoc through pypandoc, always the binary of the pinned ``pypandoc-binary`` wheel.

Pandoc's options live in defaults files (``templates/pandoc/*.yaml``); what a
build computes (escaped metadata for ``<meta>`` tags, the PDF's document
properties) goes into a defaults file of its own under the build folder,
never onto the command line, whatever its size. A failed run becomes a
:class:`~livingreview.errors.ConversionError` that names the template and
line pandoc could not compile, or the file it could not convert.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from .errors import ConversionError
from .files import write_atomic
from .templates import shown_path


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
    options = {"template": str(template), "variables": dict(sorted(variables.items()))}
    write_atomic(path, yaml.safe_dump(options, allow_unicode=True, width=1 << 20, sort_keys=True))
    return str(path)


def convert(source: str | Path, to: str, defaults: list[str | Path], reader: str | None = None) -> str:
    """Convert the file *source* with the *defaults* files (later ones win) and return the output.

    *to* must be the writer the defaults name (pypandoc asks for it). The
    defaults name the reader (Markdown); *reader* overrides it, e.g.
    ``json`` for a document pandoc has read already (see :func:`read_markdown`).
    """
    pypandoc = _pypandoc()
    args = [f"--defaults={d}" for d in defaults] + ([f"--from={reader}"] if reader else [])
    try:
        return pypandoc.convert_file(str(source), to, format=reader or "markdown", extra_args=args,
                                     verify_format=False)
    except RuntimeError as exc:
        raise pandoc_error(str(exc), str(source), [str(d) for d in defaults]) from None


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
    return ConversionError(source, None, f"pandoc failed: {' '.join(text.split())[:600]}",
                           "check the pandoc options in " + " and ".join(map(shown_path, defaults))
                           + " and the templates they name")
