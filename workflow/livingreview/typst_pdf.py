"""Typst's compilation of a PDF, in the calling process or as a program of its own.

The PDF stage (:func:`livingreview.stages.formats.compile_typst`) runs :func:`main` in a Python process of
its own, so that the memory Typst takes for a long article is returned when that process ends; where no
Python may be started, it calls :func:`compile_pdf` in its own process. This module imports only the
standard library and, when it compiles, the typst package.
"""

from __future__ import annotations

import json
import sys


def compile_pdf(source: str, root: str, fonts: list[str], timestamp: int, standards: list[str]) -> bytes:
    """The PDF of the Typst file *source* (files under *root*), with only the typst package's fonts and
    those of *fonts*, dated *timestamp*, meeting *standards* (e.g. PDF/UA-1)."""
    import typst

    return typst.compile(source, root=root, font_paths=fonts, ignore_system_fonts=True, timestamp=timestamp,
                         pdf_standards=standards)


def failure(exc: Exception) -> dict[str, str]:
    """What a failed compilation reports: Typst's diagnostic (the place in the source) and its message."""
    return {"diagnostic": str(getattr(exc, "diagnostic", "") or ""), "message": str(getattr(exc, "message", "") or exc)}


def main(arguments: str) -> int:
    """Compile with the JSON list *arguments* (those of :func:`compile_pdf`): the PDF to standard output
    and 0, or the :func:`failure` as JSON to standard error and 1."""
    try:
        pdf = compile_pdf(*json.loads(arguments))
    except Exception as exc:  # typst raises its own TypstError types
        json.dump(failure(exc), sys.stderr)
        return 1
    sys.stdout.buffer.write(pdf)
    return 0
