"""Turn pandoc's and Typst's error output into messages that name the file to fix.

A conversion fails either because a look template (``templates/html/``,
``templates/pdf/``, ``templates/pandoc/``) is broken or, far more rarely,
because of the converted article. Pandoc names the template and line it
could not compile; Typst names a line of the generated ``review.typ``, which
is looked up in ``templates/pdf/template.typ`` so that the author is sent to
the line they wrote.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .errors import ConversionError

_PANDOC_TEMPLATE = re.compile(r'Error compiling template "([^"]+)" \(line (\d+), column (\d+)\):\s*(.*)', re.DOTALL)
_TYPST_PLACE = re.compile(r"┌─ .*?:(\d+):(\d+)")
_TYPST_SOURCE_LINE = re.compile(r"^\s*(\d+) │ (.*)$", re.MULTILINE)


def tidy_path(path: str, root: str | Path = ".") -> str:
    """*path* normalised (``a/../b`` -> ``b``) and relative to *root* when inside it."""
    normal = os.path.normpath(path)
    if os.path.isabs(normal):
        relative = os.path.relpath(normal, root)
        return normal if relative.startswith("..") else relative
    return normal


def pandoc_error(stderr: str, source: str, defaults: str) -> ConversionError:
    """The error for a failed pandoc run: the template and line when pandoc names them."""
    text = stderr.strip()
    match = _PANDOC_TEMPLATE.search(text)
    if match:
        file, line, column, detail = match.groups()
        where = f"line {line}, column {column}"
        detail = " ".join(detail.split())
        return ConversionError(tidy_path(file), where, f"pandoc cannot read this template: {detail[:300]}",
                               "fix the template syntax ($variable$, $if(x)$...$endif$, $for(x)$...$endfor$), "
                               "or restore the file from version control")
    return ConversionError(source, None, f"pandoc failed: {' '.join(text.split())[:600]}",
                           f"check the pandoc options in {defaults} and the templates it names")


def typst_error(diagnostic: str, message: str, typst_source: str, template: str) -> ConversionError:
    """The error for a failed Typst compilation of *typst_source*, generated from *template*.

    When the failing source line also occurs in *template*, the message
    names the template's line; otherwise the generated file's.
    """
    place = _TYPST_PLACE.search(diagnostic or "")
    shown = {int(n): code for n, code in _TYPST_SOURCE_LINE.findall(diagnostic or "")}
    line = int(place.group(1)) if place else None
    code = shown.get(line, "").strip() if line else ""
    template_line = _find_line(template, code) if code else None
    fix = "fix the Typst code on that line, or restore the file from version control"
    if template_line:
        return ConversionError(template, f"line {template_line}", f"Typst cannot compile the PDF: {message} "
                               f"(at `{code[:80]}`)", fix)
    where = f"line {line}" if line else None
    detail = f" (at `{code[:80]}`)" if code else ""
    return ConversionError(typst_source, where, f"Typst cannot compile the PDF: {message}{detail}",
                           f"this file is generated from the article by pandoc with {template}; check that template")


def _find_line(path: str, code: str) -> int | None:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for number, text in enumerate(lines, start=1):
        if text.strip() == code:
            return number
    return None


_SNAKEMAKE_ERROR = re.compile(
    r"^(\w*(?:Error|Exception)) in (?:rule \w+ in )?(?:file|line)? ?\"?([^\",]+)\"?,? line (\d+)", re.MULTILINE)


def snakemake_error(log: str, limit: int = 12) -> str:
    """What went wrong, from Snakemake's log, when no step reported an error of its own.

    That happens only when a workflow file itself is broken (a rule file
    edited by hand): the message names the file and line Snakemake gives,
    in its own report or in a Python traceback through a .smk file or the
    Snakefile.
    """
    place = _workflow_place(log)
    if place:
        file, line, kind, detail = place
        return (f"{tidy_path(file.strip(), os.getcwd())}, line {line}: Snakemake cannot run the workflow "
                f"({kind}): {detail[:600]}\n  fix: correct that line, or restore the file from version control")
    tail = [ln for ln in log.splitlines() if ln.strip()][-limit:]
    return ("the build failed without a message of its own; the end of Snakemake's log:\n  " + "\n  ".join(tail)
            + "\n  fix: see the whole log for the cause")


_TRACEBACK_FILE = re.compile(r'^\s*File "([^"]*(?:\.smk|Snakefile))", line (\d+)', re.MULTILINE)
_EXCEPTION_LINE = re.compile(r"^(\w*(?:Error|Exception)): (.*)$", re.MULTILINE)


def _workflow_place(log: str) -> tuple[str, str, str, str] | None:
    """(file, line, error kind, detail) of a broken workflow file in Snakemake's log, or None."""
    match = _SNAKEMAKE_ERROR.search(log)
    if match:
        kind, file, line = match.groups()
        detail = " ".join(ln.strip() for ln in log[match.end():].splitlines()[1:12] if ln.strip())
        return file, line, kind, detail
    frames = list(_TRACEBACK_FILE.finditer(log))
    if not frames:
        return None
    deepest = frames[-1]
    exception = _EXCEPTION_LINE.search(log, deepest.end())
    if not exception:
        return None
    return deepest.group(1), deepest.group(2), exception.group(1), exception.group(2).strip()
