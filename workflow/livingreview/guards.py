"""Conclusion guards on numbers: a conclusion statement's condition in data, and its text's numbers.

A meta-analytic review's conclusion statement (a row of ``data/conclusions.csv``)
names the analysis it rests on (``therapy``, ``cbt``) and the condition that
analysis must meet, e.g. ``k >= 10 and ci_low > 0``: comparisons of a column of
the synthesis table (:data:`NAMES`) with a number, joined by ``and``. A name
may also be that of a robustness result (:data:`SOURCES`), written
``source.name``: a sensitivity analysis of the overall effect
(``low-rob.ci_low > 0``, ``outliers-removed.g >= 0.5``: a row
``analysis=sensitivity`` of the synthesis table) or Egger's test for
small-study effects (``egger.p >= 0.10``, ``egger.limit_g > 0``: the row of
``small_study_effects.csv``). The condition is parsed by
:func:`parse_condition`, a few lines of regular expressions (text from data
is never evaluated as code), and checked with :func:`failed` against the
numbers as the tables print them.

A statement's text may print its analysis's numbers with placeholders
(``g = {g}, 95 % CI {ci_low} to {ci_high}; {k} trials``) and those of the
robustness results (``{low-rob.g}``, ``{egger.limit_g}``; ``{egger.p}``
prints the p value with its relation, ``p < 0.001`` or ``p = 0.034``),
filled by :func:`fill` with the numbers as the text prints them
(:func:`text_numbers`, :func:`statement_numbers`; a negative number with the
minus sign, "−0.50").
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from decimal import Decimal

from .pooling import COLUMNS, SENSITIVITY, SENSITIVITY_LEVELS, SMALL_STUDY_COLUMNS, TEXT_DECIMALS, printed

# The numbers a condition may compare and a statement may print: the synthesis table's columns.
NAMES = COLUMNS[2:]  # the numbers of a synthesis row: k, participants, g, ci_low, ci_high, pi_low, pi_high, tau2, i2
# The robustness results a name may be prefixed with ("low-rob.g"), and the names each has.
SMALL_STUDY_NAMES = SMALL_STUDY_COLUMNS[SMALL_STUDY_COLUMNS.index("k"):]  # k, statistic, p, limit_g, ci_low, ci_high
SOURCES = {**{level: NAMES for level in SENSITIVITY_LEVELS}, "egger": SMALL_STUDY_NAMES}
# Every name a condition or a statement may use.
ALL_NAMES = (*NAMES, *(f"{source}.{name}" for source, names in SOURCES.items() for name in names))
OPERATORS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq,
             "!=": operator.ne}
_COMPARISON = re.compile(r"\s*((?:[a-z][a-z0-9]*(?:-[a-z0-9]+)*\.)?[A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|==|!=|>|<)\s*"
                         r"(-?(?:\d+(?:\.\d*)?|\.\d+))\s*")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# Decimals of the small-study numbers as the text prints them (p: see p_text).
SMALL_STUDY_TEXT_DECIMALS = {"statistic": 2, "limit_g": 2, "ci_low": 2, "ci_high": 2}


class ConditionError(ValueError):
    """A condition that is not of the form ``name op number [and name op number ...]``."""


@dataclass(frozen=True)
class Comparison:
    """One comparison of a condition: a number of the synthesis (``g``, or ``low-rob.g`` of a robustness
    result, its *source*), an operator and a number."""

    name: str
    op: str
    value: Decimal
    source: str = ""

    def __str__(self) -> str:
        return f"{self.source + '.' if self.source else ''}{self.name} {self.op} {self.value}"


def parse_condition(text: str) -> tuple[Comparison, ...]:
    """The comparisons of a condition such as ``k >= 10 and ci_low > 0 and egger.p >= 0.10``.

    Raises :class:`ConditionError` saying what is wrong: an unknown name (with
    a close one), an operator or a number missing, a word other than ``and``
    between comparisons.
    """
    from .errors import did_you_mean

    parts = re.split(r"\band\b", str(text))
    if not str(text).strip():
        raise ConditionError("the condition is empty")
    comparisons = []
    for part in parts:
        match = _COMPARISON.fullmatch(part)
        if match is None:
            shown = part.strip() or "(nothing)"
            raise ConditionError(f'"{shown}" is not a comparison of the form `name op number` (op: '
                                 f'{", ".join(OPERATORS)}; comparisons joined by `and`)')
        full, op, number = match.groups()
        if full not in ALL_NAMES:
            raise ConditionError(f'unknown name "{full}" (the names are {", ".join(NAMES)}, and those of the '
                                 f'robustness results: {", ".join(f"{s}.NAME" for s in SOURCES)}).'
                                 + did_you_mean(full, ALL_NAMES))
        source, _, name = full.rpartition(".")
        comparisons.append(Comparison(name, op, Decimal(number), source))
    return tuple(comparisons)


def guard_rows(row: dict[str, str], table) -> dict[str, dict[str, str]]:
    """The rows a condition on *row* (its own analysis's) may name: ``""`` (its own), each sensitivity
    analysis of the synthesis table *table* (rows by analysis and level) and, when *table* has them
    (:class:`livingreview.stages.synthesis.Results`), the small-study tests."""
    rows = {"": row}
    rows.update({level: table[(SENSITIVITY, level)] for level in SENSITIVITY_LEVELS if (SENSITIVITY, level) in table})
    rows.update(getattr(table, "small_study", {}))
    return rows


def failed(comparisons: tuple[Comparison, ...], rows: dict) -> list[Comparison]:
    """The comparisons that the rows do not meet: *rows* maps each source to its row (:func:`guard_rows`),
    or is the analysis's own row (cells as text)."""
    rows = rows if "" in rows else {"": rows}
    return [c for c in comparisons if not OPERATORS[c.op](Decimal(rows[c.source][c.name]), c.value)]


def p_text(p: str | float) -> str:
    """A p value as the text prints it, with its relation: ``p < 0.001``, else ``p = 0.034``."""
    value = Decimal(str(p))
    return "p < 0.001" if value < Decimal("0.0005") else f"p = {printed(value, 3)}"


def text_numbers(row: dict[str, str]) -> dict[str, str]:
    """The numbers of a synthesis table row as the text prints them (:func:`livingreview.pooling.printed`: a
    negative number with the minus sign, "−0.50"): g, its intervals and tau-squared to two decimals, I² whole,
    k as it is and the participants with thousands separators."""
    numbers = {name: printed(row[name], places) for name, places in TEXT_DECIMALS.items() if name in row}
    numbers["k"] = row["k"]
    numbers["participants"] = f"{int(row['participants']):,}"
    return numbers


def small_study_numbers(row: dict[str, str]) -> dict[str, str]:
    """The numbers of a small-study test as the text prints them (p with its relation, :func:`p_text`)."""
    numbers = {name: printed(row[name], places) for name, places in SMALL_STUDY_TEXT_DECIMALS.items()}
    numbers.update(k=row["k"], p=p_text(row["p"]))
    return numbers


def statement_numbers(rows: dict[str, dict[str, str]]) -> dict[str, str]:
    """Every number a statement may print (:data:`ALL_NAMES`) that *rows* (:func:`guard_rows`) have."""
    numbers = text_numbers(rows[""])
    for source, row in rows.items():
        if source in SOURCES and source != "":
            shown = small_study_numbers(row) if source == "egger" else text_numbers(row)
            numbers.update({f"{source}.{name}": value for name, value in shown.items()})
    return numbers


def placeholders(statement: str) -> list[str]:
    """The names a statement's ``{...}`` placeholders ask for, in order."""
    return _PLACEHOLDER.findall(str(statement))


def unknown_placeholders(statement: str) -> list[str]:
    """The placeholders of *statement* that are not names of :data:`ALL_NAMES`."""
    return [name for name in placeholders(statement) if name not in ALL_NAMES]


def fill(statement: str, numbers: dict[str, str]) -> str:
    """*statement* with each ``{name}`` replaced by its number (every name must be in *numbers*)."""
    return _PLACEHOLDER.sub(lambda match: numbers[match.group(1)], str(statement))


def render_statement(conclusion: dict, row: dict[str, str], table=None) -> str:
    """A conclusion statement as printed: its text with its analysis's numbers (synthesis table *row*) and
    those of the robustness results of *table* (the synthesis's :class:`~livingreview.stages.synthesis.Results`)."""
    return fill(conclusion["statement"], statement_numbers(guard_rows(row, table or {})))


# --- claims and their certainty -------------------------------------------------------------------------

# A sentence ends at a full stop (or ? !) followed by a space and a capital, a bold label or a citation.
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z*\[(\"“])")


def sentences(text: str) -> list[str]:
    """The sentences of Markdown *text*, its table rows and headings apart (neither is a sentence)."""
    prose = "\n".join(line for line in str(text).splitlines() if not line.lstrip().startswith(("|", "#", ":")))
    return [s.strip() for paragraph in prose.split("\n\n") for s in _SENTENCE_END.split(" ".join(paragraph.split()))
            if s.strip()]


def claim_wordings(sentence: str) -> list[tuple[str, str]]:
    """The claim wordings of *sentence* (:data:`livingreview.certainty.CLAIM_WORDINGS`), each as
    ``(certainty it expresses, the words)``, in the order of the ratings."""
    from .certainty import CLAIM_WORDINGS

    return [(rating, match.group(0)) for rating, patterns in CLAIM_WORDINGS.items() for pattern in patterns
            for match in re.finditer(pattern, sentence, flags=re.IGNORECASE)]


def claim_problems(text: str, rated: dict[str, str], default: str | None) -> list[str]:
    """Every sentence of *text* whose claim wording says another certainty than the analysis it is about
    is rated: GRADE's wording follows the rating (high "reduce", moderate "probably reduce", low "may
    reduce", very low "the evidence is very uncertain"), so a claim may be neither stronger nor weaker.

    *rated* maps each rated analysis, as the text names it (its label, lower case: "waiting list",
    "cognitive behavioural therapy"), to its certainty; a sentence is about the analyses it names, and
    about *default*'s (the overall effect's certainty; None when it is not rated) when it names none. A
    sentence about several analyses (cognitive behavioural therapy against the others) may claim no more
    than the lowest of their ratings. Each problem is one message: the sentence, the words, what they
    claim and the rating."""
    from .certainty import RATINGS

    labels = sorted(rated, key=len, reverse=True)
    problems = []
    for sentence in sentences(text):
        wordings = claim_wordings(sentence)
        if not wordings:
            continue
        rest, named = sentence.casefold(), []
        for label in labels:  # the longest first: "other control conditions" is not "control conditions"
            if label.casefold() in rest:
                named.append(label)
                rest = rest.replace(label.casefold(), " ")
        ratings = [rated[label] for label in named] or ([default] if default else [])
        if not ratings:
            continue
        lowest = max(ratings, key=RATINGS.index)
        about = (" and ".join(f"{label} ({rated[label]})" for label in named) if named
                 else f"the overall effect ({default})")
        shown = sentence if len(sentence) <= 160 else sentence[:157] + "..."
        for rating, words in wordings:
            if rating != lowest:
                problems.append(f'"{shown}" says "{words}", the wording of {rating} certainty, but it is about '
                                f"{about}: its claim must be worded for {lowest} certainty (Table 4)")
    return problems
