"""Stage ``synthesis`` (meta-analytic reviews): the pooled effects, their robustness, the certainty of
the evidence, and the conclusion guards.

From the included studies' post-treatment comparisons (``evidence.json``),
every analysis of the review is pooled (:func:`livingreview.pooling.synthesis`:
overall, by control condition, by psychotherapy, and the sensitivity analyses
of the overall effect; one effect per study, random effects, with 95 %
prediction intervals) and written as ``synthesis.csv``; Egger's tests for
small-study effects (the overall analysis's, then those the certainty rating
ran) as ``small_study_effects.csv``; the tests of subgroup
differences as ``subgroup_differences.csv``; and the summary of findings (NNT,
GRADE-style certainty by the author's rules, :mod:`livingreview.certainty`)
as ``summary_of_findings.csv``: release files, in fixed decimals. The
sections print their numbers from these files (:func:`read_results`), so a
number in the text is the table's number rounded for print.

Then each conclusion statement's condition (``data/conclusions.csv``) is
checked against the tables' numbers (its own analysis's row, and the
sensitivity and small-study rows it names, e.g. ``low-rob.ci_low > 0``,
``egger.p >= 0.10``): a statement whose evidence no longer meets its
condition stops the build with an :class:`~livingreview.errors.EvidenceError`
naming the statement (file, row, line), its analysis and the new numbers.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .. import certainty, guards, pooling
from ..errors import EvidenceError, LivingReviewError, combined
from ..files import read_json, write_atomic, write_log
from ..project import SMALL_STUDY_EFFECTS, SUBGROUP_DIFFERENCES, SUMMARY_OF_FINDINGS
from ..tables import row_place
from . import stage


def read_synthesis(text: str) -> dict[tuple[str, str], dict[str, str]]:
    """The rows of a synthesis table (its CSV text) by ``(analysis, level)``, cells as text."""
    return {(row["analysis"], row["level"]): row for row in csv.DictReader(io.StringIO(text))}


class Results(dict):
    """The synthesis stage's results as the sections, figures and snapshot read them: the synthesis table's
    rows by ``(analysis, level)`` (cells as text), with ``small_study`` (Egger's row by test name),
    ``subgroups`` (the tests of subgroup differences by analysis) and ``findings`` (the summary of findings'
    rows, in order) from the files beside it."""

    def __init__(self, table: dict, small_study: dict | None = None, subgroups: dict | None = None,
                 findings: list | None = None):
        super().__init__(table)
        self.small_study = small_study or {}
        self.subgroups = subgroups or {}
        self.findings = findings or []


def _rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file (cells as text); none when it does not exist."""
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))) if path.is_file() else []


def read_results(synthesis: str | Path) -> Results:
    """synthesis.csv and the result files written beside it (:class:`Results`)."""
    path = Path(synthesis)
    return Results(read_synthesis(path.read_text(encoding="utf-8")),
                   pooling.overall_tests(_rows(path.with_name(SMALL_STUDY_EFFECTS))),
                   {row["analysis"]: row for row in _rows(path.with_name(SUBGROUP_DIFFERENCES))},
                   _rows(path.with_name(SUMMARY_OF_FINDINGS)))


def shown_numbers(row: dict[str, str]) -> str:
    """An analysis's numbers as an error message shows them: as the table has them."""
    return (f"k = {row['k']}, participants = {row['participants']}, g = {row['g']} (95 % CI {row['ci_low']} to "
            f"{row['ci_high']}; 95 % PI {row.get('pi_low', '?')} to {row.get('pi_high', '?')}), tau2 = {row['tau2']}, "
            f"I² = {row['i2']} %")


def guard_problems(conclusions: list[dict], table: dict[tuple[str, str], dict[str, str]],
                   path: str) -> list[LivingReviewError]:
    """An :class:`EvidenceError` for each conclusion statement whose analysis has no study left, whose
    condition names a result the synthesis does not have, or whose numbers break its condition (*table*:
    the synthesis table's rows, a :class:`Results` when the condition names sensitivity or bias results)."""
    problems: list[LivingReviewError] = []
    for conclusion in conclusions:
        where = f"{row_place(conclusion['_row'], conclusion['_line'])}, statement {conclusion['id']}"
        statement = conclusion["statement"]
        shown = statement if len(statement) <= 100 else statement[:97] + "..."
        analysis = f"the {conclusion['analysis']} analysis, level {conclusion['level']}"
        row = table.get((conclusion["analysis"], conclusion["level"]))
        fix = ("reword or remove the statement in the light of the new numbers, or change its condition "
               "(column condition) if they support it as it stands")
        if row is None:
            problems.append(EvidenceError(path, where, f'the conclusion statement "{shown}" has lost its evidence: '
                                          f"no included trial contributes to {analysis}", fix,
                                          line=conclusion["_line"]))
            continue
        rows = guards.guard_rows(row, table)
        comparisons = guards.parse_condition(conclusion["condition"])
        missing = sorted({c.source for c in comparisons if c.source not in rows})
        missing += sorted({name.split(".")[0] for name in guards.placeholders(statement)
                           if "." in name and name.split(".")[0] not in rows} - set(missing))
        if missing:
            problems.append(EvidenceError(path, where, f'the conclusion statement "{shown}" rests on '
                                          f'{", ".join(missing)}, which this synthesis does not have', fix,
                                          line=conclusion["_line"]))
            continue
        broken = guards.failed(comparisons, rows)
        if broken:
            problems.append(EvidenceError(
                path, where, f'the conclusion statement "{shown}" no longer holds: its condition '
                f'`{conclusion["condition"]}` fails at `{"`, `".join(map(str, broken))}` for {analysis}, '
                f"which now has {shown_numbers(row)}", fix, line=conclusion["_line"]))
    return problems


@stage
def pool_effects(*, evidence: str, out: str, small_study: str, subgroups: str, findings: str,
                 control_event_rate: float, log: str) -> None:
    """evidence.json -> synthesis.csv (every analysis, pooled), small_study_effects.csv (Egger's tests),
    subgroup_differences.csv (Q between) and summary_of_findings.csv (NNT for *control_event_rate*,
    certainty by the evidence's rules), after checking every conclusion guard."""
    data = read_json(evidence)
    try:
        rows = pooling.synthesis(data["comparisons"], data["included"])
        bias = pooling.small_study_effects(data["comparisons"], data["included"])
        tests = pooling.subgroup_differences(rows)
        rated = certainty.rate(rows, pooling.post_comparisons(data["comparisons"], data["included"]),
                               data.get("certainty"), control_event_rate)
    except (ArithmeticError, ValueError) as exc:
        raise EvidenceError(data["sources"]["comparisons"], "the post-treatment comparisons", str(exc),
                            "check the effect sizes (g) and standard errors (g_se) of that analysis's "
                            "comparisons") from None
    # Every Egger's test the article reports: the overall analysis's, then those of the certainty ratings.
    tested = {(row["analysis"], row["level"]) for row in bias}
    bias += [dict(f["egger"], analysis=f["analysis"], level=f["level"]) for f in rated
             if f["egger"] and (f["analysis"], f["level"]) not in tested]
    texts = {out: pooling.table_text(rows),
             small_study: pooling.table_text(bias, pooling.SMALL_STUDY_COLUMNS, pooling.small_study_row),
             subgroups: pooling.table_text(tests, pooling.SUBGROUP_COLUMNS, pooling.subgroup_row),
             findings: pooling.table_text(rated, certainty.COLUMNS, certainty.table_row)}
    table = Results(read_synthesis(texts[out]),
                    pooling.overall_tests(csv.DictReader(io.StringIO(texts[small_study]))))
    problems = guard_problems(data["conclusions"], table, data["sources"]["conclusions"])
    if problems:
        raise combined(problems, "fix the statements listed above, then build again")
    for path, text in texts.items():
        write_atomic(path, text)
    overall = table.get(("overall", pooling.OVERALL_LEVEL))
    write_log(log, f"{len(rows)} analyses pooled; overall: {shown_numbers(overall) if overall else 'none'}; "
                   f"{len(bias)} small-study test(s), {len(tests)} subgroup test(s), {len(rated)} rated; "
                   f"{len(data['conclusions'])} conclusion guards hold")
