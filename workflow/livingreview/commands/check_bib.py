"""``python -m livingreview check-bib FILE``: how a whole BibTeX file fares with a reference style.

Bibliographies written by others (exports from Zotero or Google Scholar,
shared lab files with @string macros and crossref) often hold entries that
no style can format. This check reads every entry, formats each one with
the chosen style, and reports by key every block it cannot read and every
entry it cannot format, with the reason, so that an author can see at once
which references need work before citing them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..bibtex import read_bibtex
from ..csl import is_csl_style
from ..errors import BibliographyError, ConfigError, LivingReviewError
from ..files import read_input
from ..project import template_folders
from ..styles import format_references


@dataclass
class BibReport:
    """The outcome of formatting every entry of one BibTeX file with one style."""

    path: str
    style: str
    formatted: dict[str, str] = field(default_factory=dict)
    unreadable: list[LivingReviewError] = field(default_factory=list)
    unformattable: list[LivingReviewError] = field(default_factory=list)
    warnings: list[LivingReviewError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every block was read and every entry formatted."""
        return not self.unreadable and not self.unformattable

    def summary(self) -> str:
        """One line: how many entries were read and formatted, and how many problems."""
        read = len(self.formatted) + len(self.unformattable)
        return (f"{self.path}: {read} entries read, {len(self.formatted)} formatted with style "
                f'"{self.style}"; {len(self.unreadable)} blocks cannot be read, {len(self.unformattable)} '
                f"entries cannot be formatted, {len(self.warnings)} warnings")


def check_bibliography(path: str | Path, folders: list[Path], style: str) -> BibReport:
    """Read the BibTeX file at *path* and format every entry with reference style *style*
    (from the first of the template *folders* that has it)."""
    path = str(path)
    text = read_input(path, "bibliography", BibliographyError, "give the path of a BibTeX file")
    bib = read_bibtex(text, path)
    formatted = format_references(bib.references, folders, style, path)
    warnings = [w for key in bib.references for w in bib.warnings.get(key, [])]
    unreadable = list(bib.problems)
    if not bib.references and not unreadable:
        unreadable.append(BibliographyError(path, None, "the file holds no BibTeX entry (@article{key, ...}, "
                                            "@book{key, ...}, ...); is it a BibTeX file?",
                                            "give the path of a BibTeX file (a .bib exported by a reference manager)"))
    return BibReport(path, style, formatted.text, unreadable, formatted.problems, warnings)


def report_lines(report: BibReport, show: bool = False) -> list[str]:
    """The report as lines for the terminal: the problems, then (with *show*) every formatted reference."""
    lines = [f"error: {e}" for e in report.unreadable + report.unformattable]
    lines += [f"warning: {w}" for w in report.warnings]
    if show:
        lines += [f"{key}: {text}" for key, text in report.formatted.items()]
    return lines + [report.summary()]


def main(file: str, style: str, templates: str, show: bool) -> int:
    """Check *file* with *style*; print the problems by key and a summary. 1 when there is any problem."""
    if is_csl_style(style):
        raise ConfigError("--style", style, "check-bib formats with the built-in styles (seed, vancouver, apa); a "
                          "CSL style formats any entry pandoc's citeproc can read, and needs no such check",
                          "give a built-in style, or build the review with the CSL style (make review CONFIG="
                          f'"reference_style={style}")')
    report = check_bibliography(file, template_folders(templates), style)
    for line in report_lines(report, show):
        print(line, file=sys.stdout if show and not line.startswith(("error:", "warning:")) else sys.stderr)
    return 0 if report.ok else 1
