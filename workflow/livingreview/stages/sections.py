"""Stage ``sections``: render each section of the article from its template.

A section is Pandoc Markdown in which every citation is still a marker of
the keys it cites (numbers are given when the article is assembled). The
templates receive the evidence in narrative order (see :func:`context`).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from .. import meta_analysis
from ..files import read_json, write_atomic, write_log
from ..project import FIGURES
from ..schemas import labels
from ..templates import Templates
from . import stage
from .synthesis import read_synthesis


def context(evidence: dict) -> dict:
    """The names a section template receives (see README, 'Templates')."""
    themes = {t["theme"]: t for t in evidence["themes"]}
    rows = {s["key"]: s for s in evidence["studies"]}
    studies = []
    for key in evidence["included"]:
        fields = evidence["references"][key]["fields"]
        studies.append(dict(rows[key], theme_label=themes[rows[key]["theme"]]["label"],
                            year=fields.get("year", ""), title=fields.get("title", "")))
    by_key = {s["key"]: s for s in studies}
    theme_groups = []
    for theme in sorted(evidence["themes"], key=lambda t: (t["order"], t["theme"])):
        members = [s for s in studies if s["theme"] == theme["theme"]]
        if members:
            theme_groups.append(dict(theme, studies=members))
    statements = [dict(s, studies=[by_key[k] for k in s["studies"]]) for s in evidence["statements"]]
    designs = Counter(s["design"] for s in studies)
    return {
        "review": evidence["review"],
        "figures": dict(FIGURES["narrative"]),
        "studies": studies,
        "themes": theme_groups,
        "statements": statements,
        "designs": labels("studies", "design"),
        "counts": {
            "studies": len(studies),
            "by_design": sorted(designs.items(), key=lambda item: (-item[1], item[0])),
        },
    }


def _write_section(section: str, templates: list[str], names: dict, out: str, log: str) -> None:
    """Render ``sections/<section>.md.j2`` (from the first of the *templates* folders that has it) with *names*."""
    text = Templates(templates).render(f"sections/{section}.md.j2", **names)
    write_atomic(out, text.strip() + "\n")
    write_log(log, f"section {section}: {len(text.split())} words")


@stage
def render(*, section: str, evidence: str, templates: list[str], out: str, log: str) -> None:
    """Render ``sections/<section>.md.j2`` of a narrative review (the names it receives: :func:`context`)."""
    _write_section(section, templates, context(read_json(evidence)), out, log)


@stage
def render_meta_analysis(*, section: str, evidence: str, synthesis: str, templates: list[str], out: str,
                         log: str) -> None:
    """Render ``sections/<section>.md.j2`` of a meta-analytic review with its evidence and its pooled effects
    (*synthesis*: synthesis.csv; the names a template receives: :func:`livingreview.meta_analysis.context`)."""
    table = read_synthesis(Path(synthesis).read_text(encoding="utf-8"))
    _write_section(section, templates, meta_analysis.context(read_json(evidence), table), out, log)
