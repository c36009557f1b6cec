"""The meta-analytic review (config ``kind: meta-analysis``, e.g. the Metapsy review): studies and
comparisons imported from an evidence database, the author's decisions and conclusion statements,
the effects pooled into ``synthesis.csv``.

:class:`MetaAnalysis` is its plugin (:class:`~livingreview.kinds.ReviewKind`);
the data model it reads, checks and describes is :mod:`livingreview.meta_analysis`,
the pooling :mod:`livingreview.pooling` (rule ``synthesis``), and what its
changes report adds :mod:`livingreview.compare_meta`.
"""

from __future__ import annotations

from .. import guards, meta_analysis
from ..compare import compare as compare_snapshots
from ..compare_meta import compare_meta_analysis, first_release
from ..errors import (
    DataError,
    EvidenceError,
    LivingReviewError,
    TemplateError,
    combined,
    in_reading_order,
)
from ..importers.references import entry_problems
from ..markdown import escape_markdown
from ..project import SYNTHESIS_RESULTS
from ..schemas import column_titles
from ..stages.evidence import read_checked_yaml, read_references, read_review, reader_noting
from ..tables import read_table
from . import Figure, ReviewKind

REFERENCE_CORRECTIONS_SCHEMA = "meta_reference_corrections"


def reference_checks(included: list[dict], references: dict, corrections) -> dict[str, dict]:
    """Each included study whose bibliography entry is not a complete structured @article
    (:func:`livingreview.importers.references.entry_problems`, the import's own test): its line in the
    bibliography, what it lacks, and the author's reason when data/reference-corrections.csv accepts it
    ("" when not)."""
    accepted = {row["key"]: row["reason"] for row in (corrections.rows if corrections is not None else [])
                if row.get("status") == "accepted"}
    checks = {}
    for study in included:
        entry = references.get(study["key"])
        if entry is None:
            continue
        problems = entry_problems(entry.entry_type, entry.authors, entry.fields)
        if problems:
            checks[study["key"]] = {"line": entry.line, "problems": problems,
                                    "accepted": accepted.get(study["key"], "")}
    return checks


class MetaAnalysis(ReviewKind):
    """A meta-analytic review: its tables and database release; pooled effects (``synthesis.csv``); a PRISMA
    2020 flow diagram and a forest plot; a changes report that also follows comparisons, pooled
    estimates, statements and the search."""

    name = "meta-analysis"
    data_files = ("studies", "comparisons", "decisions", "conclusions", "database", "certainty",
                  "reference_corrections", "methods_bibliography")
    synthesis = True
    figures = (Figure("flow", "figures/prisma.svg", "flow_diagram", ("evidence", "published")),
               Figure("forest", "figures/forest.svg", "forest_plot", ("synthesis",)),
               Figure("funnel", "figures/funnel.svg", "funnel_plot", ("evidence", "synthesis")))
    release_files = SYNTHESIS_RESULTS
    changes_template = "changes/meta-analysis.md.j2"
    sections = ("abstract", "introduction", "methods", "results", "conclusion", "checklist")
    section_files = {"checklist": "prisma-checklist.md"}
    # Its section templates' names (introduction, conclusion...) are also the narrative kind's, whose
    # templates are the shared folder's own: the meta-analysis's defaults have a folder of their own.
    default_templates = "kinds/meta-analysis"

    def read_evidence(self, data: dict[str, str], allow_invisible: bool = False) -> tuple[dict, str]:
        """The tables (studies, comparisons, the author's decisions and conclusion statements), the
        database release's metadata, the review metadata and the bibliography, read and cross-checked.

        Every file is read before the build stops, so that all their problems are reported together.
        """
        studies, comparisons, decisions = data["studies"], data["comparisons"], data["decisions"]
        conclusions, database, rules = data["conclusions"], data["database"], data.get("certainty")
        review, bibliography = data["review"], data["bibliography"]
        problems: list[LivingReviewError] = []
        read = reader_noting(problems)

        metadata = read(read_review, review, allow_invisible)
        release = read(read_checked_yaml, database, meta_analysis.DATABASE_SCHEMA, "database metadata",
                       "import the release again (make import)", allow_invisible)
        release = release[0] if release else None
        certainty = (read(read_checked_yaml, rules, meta_analysis.CERTAINTY_SCHEMA, "certainty rules",
                          "start from examples/metapsy-depression/data/certainty.yaml", allow_invisible)
                     if rules else None)
        certainty = certainty[0] if certainty else None
        study_table = read(read_table, studies, meta_analysis.STUDIES_SCHEMA, "study table", "key",
                           allow_invisible=allow_invisible)
        comparison_table = read(read_table, comparisons, meta_analysis.COMPARISONS_SCHEMA, "comparison table", "id",
                                allow_invisible=allow_invisible)
        decision_table = read(read_table, decisions, meta_analysis.DECISIONS_SCHEMA, "decisions table", "key",
                              allow_empty=True, allow_invisible=allow_invisible)
        conclusion_table = read(read_table, conclusions, meta_analysis.CONCLUSIONS_SCHEMA, "conclusions table", "id",
                                allow_empty=True, allow_invisible=allow_invisible)
        corrections = data.get("reference_corrections")
        correction_table = (read(read_table, corrections, REFERENCE_CORRECTIONS_SCHEMA, "reference corrections table",
                                 "key", allow_empty=True, allow_invisible=allow_invisible) if corrections else None)
        cited = [s["key"] for s in study_table.rows] if study_table is not None else []
        cited += [release["citation_key"]] if release else []
        references, methods_references, bib_problems = read_references(data, cited, problems, allow_invisible)
        methods_bib = data.get("methods_bibliography")
        if comparison_table is not None:  # numbers said plainly, with the trial; those pooling cannot take
            comparison_table.problems = meta_analysis.number_cell_problems(comparison_table, comparisons)
            problems += meta_analysis.numeric_problems(comparison_table, comparisons)
        for table in (study_table, comparison_table, decision_table, conclusion_table, correction_table):
            problems += table.problems if table is not None else []
        problems += bib_problems
        paths = {"studies": studies, "comparisons": comparisons, "decisions": decisions, "conclusions": conclusions,
                 "database": database, "bibliography": bibliography}
        if rules:
            paths["certainty"] = rules
        if corrections:
            paths["reference_corrections"] = corrections
        if methods_bib:
            paths["methods_bibliography"] = methods_bib
        if None not in (study_table, comparison_table, decision_table):
            problems += meta_analysis.cross_check_problems(study_table, comparison_table, decision_table,
                                                           None if bib_problems else references, release, paths)
        if conclusion_table is not None:
            problems += meta_analysis.conclusion_problems(conclusion_table, conclusions)
        if problems:
            raise combined(in_reading_order(problems, [review, database, studies, comparisons, decisions, conclusions,
                                                       rules, corrections, bibliography, methods_bib]))
        rows = meta_analysis.merge_decisions(study_table.rows, decision_table.rows)
        included = sorted((s for s in rows if s["status"] == "included"), key=meta_analysis.study_order)
        if not included:
            raise DataError(decisions, None, "every study is excluded or retracted; the review would cite nothing",
                            "include at least one study (delete its row from the decisions table)")
        keys = [s["key"] for s in rows] + [release["citation_key"]]
        evidence = {
            "kind": self.name,
            "review": metadata,
            "database": release,
            "studies": rows,
            "comparisons": [{k: v for k, v in c.items() if not k.startswith("_")} for c in comparison_table.rows],
            "decisions": decision_table.rows,
            "conclusions": sorted(conclusion_table.rows, key=lambda c: (c["order"], c["id"])),
            "certainty": certainty,
            "included": [s["key"] for s in included],
            "references": {**{key: references[key].to_dict() for key in keys},
                           **{key: entry.to_dict() for key, entry in methods_references.items()}},
            "reference_checks": reference_checks(included, references, correction_table),
            "sources": {**paths, "review": review},
        }
        summary = (f"{len(rows)} studies ({len(included)} included), {len(comparison_table.rows)} comparisons, "
                   f"{len(decision_table.rows)} decisions, {len(conclusion_table.rows)} conclusion statements, "
                   f"{len(references)} bibliography entries"
                   + (f" and {len(methods_references)} of the Methods'" if methods_references else ""))
        return evidence, summary

    def figure_part(self, figure: str, evidence: dict) -> dict:
        """The flow diagram reads of the comparisons only which trial each belongs to (no effect size:
        an effect-size edit does not re-draw it); the other figures the whole evidence."""
        if figure != "flow":
            return evidence
        return dict(evidence, comparisons=[{"key": c["key"]} for c in evidence["comparisons"]])

    def publication_warnings(self, evidence: dict) -> list[LivingReviewError]:
        """One warning per decision on a study this release does not have
        (:func:`livingreview.meta_analysis.unused_decisions`), and per bibliography entry of an included study
        that is not a complete structured @article and that the author has not accepted (``reference_checks``
        of the evidence), naming the entry, what it lacks, and the two fixes."""
        bibliography = evidence["sources"]["bibliography"]
        corrections = evidence["sources"].get("reference_corrections", "data/reference-corrections.csv")
        unused = meta_analysis.unused_decisions(evidence["studies"], evidence["decisions"],
                                                evidence["sources"]["decisions"], evidence["sources"]["studies"])
        return unused + [DataError(bibliography, f"line {check['line']}, key {key}",
                          f"the entry is not a complete structured @article ({'; '.join(check['problems'])}), and "
                          "it would be published so",
                          f"correct it in {corrections} (a row: {key},corrected, then the fields it lacks, and a "
                          f"reason) and import the release again, or accept it as it is there (a row: {key},accepted, "
                          "empty fields, and the reason)", line=check["line"])
                for key, check in evidence.get("reference_checks", {}).items() if not check["accepted"]]

    def section_context(self, evidence: dict, synthesis: dict | None) -> dict:
        """The names a section template receives (:func:`livingreview.meta_analysis.context`) and the figures,
        with what guards the wording (:func:`livingreview.meta_analysis.guarded_context`)."""
        return dict(meta_analysis.guarded_context(meta_analysis.context(evidence, synthesis)),
                    figures=self.figure_files())

    def section_problems(self, section: str, text: str, names: dict) -> list[LivingReviewError]:
        """Every claim of the Abstract, Results, Discussion and Conclusion worded for another certainty than
        that of the analysis it is about (:func:`livingreview.guards.claim_problems`; Table 4's ratings): an
        :class:`~livingreview.errors.EvidenceError` naming the statement of data/conclusions.csv that says
        it (a statement is about its own analysis, and those it names), else a
        :class:`~livingreview.errors.TemplateError` naming the section's template."""
        if section not in meta_analysis.CLAIM_SECTIONS:
            return []
        rated, default = meta_analysis.claim_ratings(names["robustness"]["findings"])
        path = names["sources"].get("conclusions", "data/conclusions.csv")
        problems: list[LivingReviewError] = []
        for statement in names["conclusions"] if section == "conclusion" else []:
            own = names["rated"].get((statement["analysis"], statement["level"]))
            printed = escape_markdown(statement["text"])  # as the template prints it
            problems += [EvidenceError(path, f"statement {statement['id']}", problem, "word the statement's claim "
                                       "for that certainty (column statement), as livingreview.certainty words "
                                       "it, or state its numbers only")
                         for problem in guards.claim_problems(printed, rated, own["certainty"] if own else default)]
            text = text.replace(printed, " ")
        problems += [TemplateError(f"sections/{section}.md.j2", None, problem, "word the claim with the finding's "
                                   "own words (`claim`, `overstates` of robustness.findings) or state the numbers only")
                     for problem in guards.claim_problems(text, rated, default)]
        return problems

    def snapshot_parts(self, evidence: dict, synthesis) -> dict:
        """The comparisons, the database release and its search flow, the pooled effects (the rows of
        *synthesis*, as the table prints them: a list of rows, or the synthesis's
        :class:`~livingreview.stages.synthesis.Results`), the certainty rating of each analysis the summary of
        findings rates (``certainty``, from the Results' findings) and the conclusion statements as printed."""
        rows = synthesis if isinstance(synthesis, dict) else {(r["analysis"], r["level"]): r for r in synthesis or []}
        return {
            "comparisons": {c["id"]: c for c in evidence["comparisons"]},
            "database": {k: v for k, v in evidence["database"].items() if k != "search_flow"},
            "search_flow": evidence["database"].get("search_flow", {}),
            "synthesis": list(rows.values()),
            "certainty": [{"analysis": f["analysis"], "level": f["level"], "certainty": f["certainty"]}
                          for f in getattr(synthesis, "findings", [])],
            "conclusions": [dict({k: v for k, v in c.items() if not k.startswith("_")},
                                 text=guards.render_statement(c, rows[(c["analysis"], c["level"])], rows))
                            for c in evidence.get("conclusions", []) if (c["analysis"], c["level"]) in rows],
        }

    def compare(self, baseline: dict | None, snapshot: dict) -> dict:
        """``changes`` without the renamed studies among the added and removed ones, ``meta``: what
        :mod:`livingreview.compare_meta` adds (:class:`~livingreview.compare_meta.MetaChanges`), and
        ``column_titles``: by source file, the words the report shows for a column whose name does not say
        what it holds (:func:`livingreview.schemas.column_titles`: data/studies.csv's ``comparisons`` counts
        effect sizes)."""
        changes = compare_snapshots(baseline, snapshot)
        sources = snapshot.get("sources", {})
        titles = {sources["studies"]: column_titles(meta_analysis.STUDIES_SCHEMA)} if "studies" in sources else {}
        if baseline is None:
            return {"changes": changes, "meta": first_release(snapshot), "column_titles": titles}
        changes, meta = compare_meta_analysis(baseline, snapshot, changes)
        return {"changes": changes, "meta": meta, "column_titles": titles}
