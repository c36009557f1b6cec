"""The narrative review (config ``kind: narrative``, the seed review): studies grouped by theme, each
theme's conclusion statement resting on its studies.

Its data files are the study dataset and the themes table (with the review
metadata and the bibliography); :class:`Narrative` is its plugin
(:class:`~livingreview.kinds.ReviewKind`): the files read and cross-checked,
the names its section templates receive (:meth:`Narrative.section_context`)
and its one figure, the map of its studies by theme and design.
"""

from __future__ import annotations

from collections import Counter

from ..errors import DataError, EvidenceError, LivingReviewError, combined, did_you_mean, in_reading_order
from ..schemas import labels
from ..stages.evidence import read_references, read_review, reader_noting
from ..tables import Table, read_table, row_place
from . import Figure, ReviewKind

# The design of a study whose source does not say it (studies.schema.yaml): counted and mapped after the others.
UNSTATED_DESIGN = "not-stated"


def design_order(totals: dict[str, int]) -> list[str]:
    """The designs of *totals* (design -> number of studies) in the order the text, Table 1's lead and the
    design map give them: by falling count, then code, the design not stated last."""
    return sorted(totals, key=lambda d: (d == UNSTATED_DESIGN, -totals[d], d))


def cross_check_problems(studies: Table, themes: Table, bibliography: dict | None,
                         studies_path: str, themes_path: str, bib_path: str) -> list[DataError]:
    """Every study whose theme or key does not exist, every theme whose references do not resolve.

    Only what can be checked soundly is: rows with a problem of their own
    are left out, themes are checked only when every themes row is sound,
    keys only when the bibliography (*bibliography*, None when it had
    problems) was read whole, and "nothing included" only when every study
    row is sound. The rest shows once the problems found are fixed.
    """
    theme_ids = [t["theme"] for t in themes.rows]
    check_themes = not themes.faulty
    problems: list[DataError] = []
    for study in studies.sound_rows():
        where, line = row_place(study["_row"], study["_line"]), study["_line"]
        if check_themes and study["theme"] not in theme_ids:
            problems.append(DataError(studies_path, f"{where}, column theme",
                                      f'unknown theme "{study["theme"]}".' + did_you_mean(study["theme"], theme_ids),
                                      f"use a theme listed in {themes_path}, or add the theme there", line=line))
        if bibliography is not None and study["key"] not in bibliography:
            problems.append(DataError(studies_path, f"{where}, key {study['key']}",
                                      f'the key "{study["key"]}" has no entry in {bib_path}.'
                                      + did_you_mean(study["key"], bibliography),
                                      f"add an entry @article{{{study['key']}, ...}} to {bib_path} or correct the key",
                                      line=line))
    if not themes.faulty:
        problems += same_order_problems(themes.rows, "order", themes_path)
        problems += same_order_problems([t for t in themes.rows if t["statement"]], "conclusion_order", themes_path)
    for theme in themes.sound_rows():
        where, line = row_place(theme["_row"], theme["_line"]), theme["_line"]
        problems += [DataError(themes_path, f"{where}, column also_requires",
                               f'unknown theme "{needed}".' + did_you_mean(needed, theme_ids),
                               "list themes from the `theme` column, separated by spaces", line=line)
                     for needed in theme["also_requires"] if needed not in theme_ids]
        if theme["statement"] and theme["conclusion_order"] is None:
            problems.append(DataError(themes_path, f"{where}, column conclusion_order",
                                      "the theme has a statement but no conclusion_order",
                                      "give the statement its position in the Conclusion (1, 2, ...)", line=line))
    if not studies.faulty and not any(s["status"] == "included" for s in studies.rows):
        problems.append(DataError(studies_path, None,
                                  "no study has status \"included\"; the review would cite nothing",
                                  "set status to included for at least one study"))
    return problems


def same_order_problems(themes: list[dict], column: str, themes_path: str) -> list[DataError]:
    """A problem for each theme whose *column* (order, conclusion_order) repeats an earlier theme's:
    the text would have no order for them."""
    first: dict[int, dict] = {}
    problems = []
    for theme in themes:
        value = theme[column]
        if value is None:
            continue
        if value in first:
            other = first[value]
            problems.append(DataError(themes_path, f"{row_place(theme['_row'], theme['_line'])}, column {column}",
                                      f'theme "{theme["theme"]}" has the same {column} ({value}) as theme '
                                      f'"{other["theme"]}" (row {other["_row"]})',
                                      f"give each theme its own {column}", line=theme["_line"]))
        first.setdefault(value, theme)
    return problems


def narrative_order(studies: list[dict], themes: list[dict]) -> list[dict]:
    """Included studies in narrative order: by theme order, then by row order."""
    theme_rank = {t["theme"]: (t["order"], t["theme"]) for t in themes}
    included = [s for s in studies if s["status"] == "included"]
    return sorted(included, key=lambda s: (theme_rank[s["theme"]], s["_row"]))


def conclusion_statements(themes: list[dict], included: list[dict], themes_path: str) -> list[dict]:
    """The Conclusion's statements in order, each with the keys of the studies that support it.

    A statement needs at least one included study of its own theme and of
    every theme in ``also_requires``; when one is missing the build stops
    with an :class:`EvidenceError` naming the statement and the evidence.
    """
    by_theme: dict[str, list[dict]] = {}
    for study in included:
        by_theme.setdefault(study["theme"], []).append(study)
    statements = []
    for theme in sorted((t for t in themes if t["statement"]), key=lambda t: (t["conclusion_order"], t["theme"])):
        needed = [theme["theme"], *theme["also_requires"]]
        missing = [n for n in needed if not by_theme.get(n)]
        if missing:
            raise EvidenceError(
                themes_path, f"{row_place(theme['_row'], theme['_line'])}, theme {theme['theme']}",
                f'the conclusion statement "{theme["statement"][:90]}" has lost its evidence: no included study of '
                + ", ".join(f'theme "{m}"' for m in missing),
                "include a study of that theme, or reword or remove the statement (empty the `statement` "
                "cell, or drop the theme from `also_requires`)", line=theme["_line"])
        support = [s["key"] for s in included if s["theme"] in needed]
        statements.append({"theme": theme["theme"], "label": theme["label"], "statement": theme["statement"],
                           "studies": support})
    return statements


class Narrative(ReviewKind):
    """A narrative review: studies and themes; no pooled effects; a map of the studies by theme and design."""

    name = "narrative"
    data_files = ("studies", "themes")
    figures = (Figure("designs", "figures/designs.svg", "design_map", ("evidence",)),)
    section_columns = ("key", "theme", "status", "design")

    def figure_part(self, figure: str, evidence: dict) -> dict:
        """The design map reads the included studies' themes and designs and the themes' labels and order."""
        if figure != "designs":
            return evidence
        return {"included": evidence["included"], "themes": evidence["themes"],
                "studies": [{k: s[k] for k in ("key", "theme", "status", "design")} for s in evidence["studies"]]}

    def read_evidence(self, data: dict[str, str], allow_invisible: bool = False) -> tuple[dict, str]:
        """The study dataset, themes, review metadata and bibliography, read and cross-checked.

        Every file is read before the build stops, so that all their problems
        are reported together. Invisible and direction-changing characters are
        refused unless *allow_invisible*.
        """
        studies, themes, review, bibliography = data["studies"], data["themes"], data["review"], data["bibliography"]
        problems: list[LivingReviewError] = []
        read = reader_noting(problems)

        metadata = read(read_review, review, allow_invisible)
        theme_table = read(read_table, themes, "themes", "themes table", "theme", allow_invisible=allow_invisible)
        for theme in theme_table.rows if theme_table is not None else []:
            theme["also_requires"] = theme["also_requires"].split()
        study_table = read(read_table, studies, "studies", "study dataset", "key", allow_invisible=allow_invisible)
        cited = [s["key"] for s in study_table.rows] if study_table is not None else []
        references, _, bib_problems = read_references(data, cited, problems, allow_invisible)
        for table in (theme_table, study_table):
            problems += table.problems if table is not None else []
        problems += bib_problems
        if theme_table is not None and study_table is not None:
            problems += cross_check_problems(study_table, theme_table, None if bib_problems else references,
                                             studies, themes, bibliography)
        if problems:
            raise combined(in_reading_order(problems, [review, themes, studies, bibliography]))
        included = narrative_order(study_table.rows, theme_table.rows)
        statements = conclusion_statements(theme_table.rows, included, themes)
        evidence = {
            "review": metadata,
            "themes": theme_table.rows,
            "studies": study_table.rows,
            "included": [s["key"] for s in included],
            "statements": statements,
            "references": {s["key"]: references[s["key"]].to_dict() for s in study_table.rows},
            "sources": {"studies": studies, "themes": themes, "review": review, "bibliography": bibliography},
        }
        summary = (f"{len(study_table.rows)} studies ({len(included)} included), {len(theme_table.rows)} themes, "
                   f"{len(statements)} conclusion statements, {len(references)} bibliography entries")
        return evidence, summary

    def section_context(self, evidence: dict, synthesis: dict | None = None) -> dict:
        """The names a section template receives (see README, 'Templates'): the studies in narrative order,
        grouped by theme, the Conclusion's statements with their studies, the counts by design."""
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
            "figures": self.figure_files(),
            "studies": studies,
            "themes": theme_groups,
            "statements": statements,
            "designs": labels("studies", "design"),
            "counts": {
                "studies": len(studies),
                "by_design": [(design, designs[design]) for design in design_order(designs)],
            },
        }
