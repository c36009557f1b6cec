"""Stage ``sections``: render each section of the article from its template.

A section is Pandoc Markdown in which every citation is still a marker of
the keys it cites (numbers are given when the article is assembled). The
names the templates receive are the review's kind's
(:meth:`livingreview.kinds.ReviewKind.section_context`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import combined
from ..files import read_json, write_atomic, write_log
from ..templates import Templates
from . import stage
from .synthesis import read_results

if TYPE_CHECKING:
    from ..kinds import ReviewKind


@stage
def publish_section(*, section: str, out: str, log: str) -> None:
    """A rendered section as a release file of its own (e.g. the PRISMA 2020 checklist): its text as it is
    (it holds no citation)."""
    text = Path(section).read_text(encoding="utf-8")
    write_atomic(out, text)
    write_log(log, f"{out}: {len(text.splitlines())} lines")


@stage
def render(*, kind: ReviewKind, section: str, evidence: str, synthesis: str | None, templates: list[str], out: str,
           log: str) -> None:
    """Render ``sections/<section>.md.j2`` of a review of *kind* with the names the kind gives its templates
    (:meth:`~livingreview.kinds.ReviewKind.section_context`) from its evidence and, when it pools effects,
    its *synthesis* (synthesis.csv; else None). Nothing is written while the kind finds a problem in the
    rendered text (:meth:`~livingreview.kinds.ReviewKind.section_problems`: a claim worded for another
    certainty than its analysis's)."""
    table = read_results(synthesis) if synthesis else None
    names = kind.section_context(read_json(evidence), table)
    text = Templates(templates).render(f"sections/{section}.md.j2", **names)
    problems = kind.section_problems(section, text, names)
    if problems:
        raise combined(problems, f"reword sections/{section}.md.j2 (or the statement named), then build again")
    write_atomic(out, text.strip() + "\n")
    write_log(log, f"section {section}: {len(text.split())} words")
