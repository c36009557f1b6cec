"""``python -m livingreview check-bib FILE``: how a whole BibTeX file fares with a reference style.

Bibliographies written by others (exports from Zotero or Google Scholar,
shared lab files with @string macros and crossref) often hold entries that
no style can format. This check reads every entry, formats each one with
the chosen style (a built-in style or a CSL file, through pandoc's citeproc,
as the build does), and reports by key every block it cannot read and every
entry the style gives no text, so that an author can see at once which
references need work before citing them.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..bibtex import read_bibtex
from ..citeproc import BIBLIOGRAPHY, entry_markdown, formatted_article
from ..csl import check_style_file, is_csl_style, missing_fields, others_name, references_metadata
from ..errors import BibliographyError, LivingReviewError
from ..files import read_input, write_atomic
from ..project import template_folders
from ..records import Reference
from ..templates import template_file


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


def style_file(style: str, folders: list[Path]) -> str:
    """The CSL file of reference *style*: a built-in style's from the first of the template *folders*
    that has it (``references/<style>.csl``), or the CSL file *style* itself."""
    if is_csl_style(style):
        check_style_file(style, [Path(".").resolve(), Path(style).resolve().parent])
        return style
    return template_file(f"references/{style}.csl", folders)


def format_entries(references: dict[str, Reference], style: str, csl: str, folders: list[Path],
                   bib_path: str) -> tuple[dict[str, str], list[LivingReviewError]]:
    """Every entry of *references* formatted by pandoc's citeproc with the CSL file *csl* of reference
    *style* (as the build formats the cited ones; pandoc's options from the template *folders*):
    ``{key: Markdown}`` (as review.md prints the entry), and a problem for each field a built-in style
    prints that an entry lacks (as the build stops on them) and for each entry the style gives no text."""
    if not references:
        return {}, []
    pandoc_defaults = template_file("pandoc/citeproc.yaml", folders)
    with tempfile.TemporaryDirectory(prefix="livingreview-check-bib-") as folder:
        article, metadata = Path(folder, "article.md"), Path(folder, "references.yaml")
        write_atomic(article, f"---\nnocite: '@*'\n---\n\n{BIBLIOGRAPHY}\n")
        write_atomic(metadata, references_metadata(list(references.values()), in_sentence_case=is_csl_style(style),
                                                     others=others_name(csl)))
        tree = formatted_article(str(article), csl, str(metadata), [pandoc_defaults], str(Path(folder, "options.yaml")))
        texts = entry_markdown(tree, template_file("pandoc/markdown.yaml", folders), bib_path)
    incomplete = {} if is_csl_style(style) else {key: missing_fields(ref, style, bib_path)
                                                  for key, ref in references.items()}
    problems: list[LivingReviewError] = [problem for found in incomplete.values() for problem in found]
    problems += [BibliographyError(bib_path, f"line {ref.line}, key {key}",
                                   f'the reference style "{style}" produced no text for @{ref.entry_type}',
                                   "check the entry's fields and type", line=ref.line)
                 for key, ref in references.items() if not texts.get(key) and not incomplete.get(key)]
    return {key: texts[key] for key in references if texts.get(key) and not incomplete.get(key)}, problems


def check_bibliography(path: str | Path, folders: list[Path], style: str) -> BibReport:
    """Read the BibTeX file at *path* and format every entry with reference style *style* (a built-in
    style, from the first of the template *folders* that has it, or a CSL file)."""
    path = str(path)
    text = read_input(path, "bibliography", BibliographyError, "give the path of a BibTeX file")
    bib = read_bibtex(text, path)
    formatted, unformattable = format_entries(bib.references, style, style_file(style, folders), folders, path)
    warnings = [w for key in bib.references for w in bib.warnings.get(key, [])]
    unreadable = list(bib.problems)
    if not bib.references and not unreadable:
        unreadable.append(BibliographyError(path, None, "the file holds no BibTeX entry (@article{key, ...}, "
                                            "@book{key, ...}, ...); is it a BibTeX file?",
                                            "give the path of a BibTeX file (a .bib exported by a reference manager)"))
    return BibReport(path, style, formatted, unreadable, unformattable, warnings)


def report_lines(report: BibReport, show: bool = False) -> list[str]:
    """The report as lines for the terminal: the problems, then (with *show*) every formatted reference."""
    lines = [f"error: {e}" for e in report.unreadable + report.unformattable]
    lines += [f"warning: {w}" for w in report.warnings]
    if show:
        lines += [f"{key}: {text}" for key, text in report.formatted.items()]
    return lines + [report.summary()]


def main(file: str, style: str, templates: str, show: bool) -> int:
    """Check *file* with *style*; print the problems by key and a summary. 1 when there is any problem."""
    report = check_bibliography(file, template_folders(templates), style)
    for line in report_lines(report, show):
        print(line, file=sys.stdout if show and not line.startswith(("error:", "warning:")) else sys.stderr)
    return 0 if report.ok else 1
