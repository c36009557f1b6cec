"""Stage ``synthesis`` (meta-analytic reviews): the pooled effects, and the conclusion guards.

From the included studies' post-treatment comparisons (``evidence.json``),
every analysis of the review is pooled (:func:`livingreview.pooling.synthesis`:
overall, by control condition, by psychotherapy; one effect per study, random
effects) and written as ``synthesis.csv``, a release file, in fixed decimals.
The sections print their numbers from this file, so a number in the text is
the table's number rounded for print.

Then each conclusion statement's condition (``data/conclusions.csv``) is
checked against the table's numbers: a statement whose evidence no longer
meets its condition stops the build with an
:class:`~livingreview.errors.EvidenceError` naming the statement (file, row,
line), its analysis and the new numbers.
"""

from __future__ import annotations

import csv
import io

from .. import guards, pooling
from ..errors import EvidenceError, LivingReviewError, combined
from ..files import read_json, write_atomic, write_log
from ..tables import row_place
from . import stage


def read_synthesis(text: str) -> dict[tuple[str, str], dict[str, str]]:
    """The rows of a synthesis table (its CSV text) by ``(analysis, level)``, cells as text."""
    return {(row["analysis"], row["level"]): row for row in csv.DictReader(io.StringIO(text))}


def shown_numbers(row: dict[str, str]) -> str:
    """An analysis's numbers as an error message shows them: as the table has them."""
    return (f"k = {row['k']}, participants = {row['participants']}, g = {row['g']} (95 % CI {row['ci_low']} to "
            f"{row['ci_high']}), tau2 = {row['tau2']}, I² = {row['i2']} %")


def guard_problems(conclusions: list[dict], table: dict[tuple[str, str], dict[str, str]],
                   path: str) -> list[LivingReviewError]:
    """An :class:`EvidenceError` for each conclusion statement whose analysis has no study left, or whose
    numbers break its condition."""
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
        broken = guards.failed(guards.parse_condition(conclusion["condition"]), row)
        if broken:
            problems.append(EvidenceError(
                path, where, f'the conclusion statement "{shown}" no longer holds: its condition '
                f'`{conclusion["condition"]}` fails at `{"`, `".join(map(str, broken))}` for {analysis}, '
                f"which now has {shown_numbers(row)}", fix, line=conclusion["_line"]))
    return problems


@stage
def pool_effects(*, evidence: str, out: str, log: str) -> None:
    """evidence.json -> synthesis.csv (every analysis, pooled), after checking every conclusion guard."""
    data = read_json(evidence)
    try:
        rows = pooling.synthesis(data["comparisons"], data["included"])
    except ArithmeticError as exc:
        raise EvidenceError(data["sources"]["comparisons"], "the post-treatment comparisons", str(exc),
                            "check the effect sizes (g) and standard errors (g_se) of that analysis's "
                            "comparisons") from None
    text = pooling.table_text(rows)
    table = read_synthesis(text)
    problems = guard_problems(data["conclusions"], table, data["sources"]["conclusions"])
    if problems:
        raise combined(problems, "fix the statements listed above, then build again")
    write_atomic(out, text)
    overall = table.get(("overall", pooling.OVERALL_LEVEL))
    write_log(log, f"{len(rows)} analyses pooled; overall: {shown_numbers(overall) if overall else 'none'}; "
                   f"{len(data['conclusions'])} conclusion guards hold")
