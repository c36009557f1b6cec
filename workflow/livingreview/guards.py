"""Conclusion guards on numbers: a conclusion statement's condition in data, and its text's numbers.

A meta-analytic review's conclusion statement (a row of ``data/conclusions.csv``)
names the analysis it rests on (``therapy``, ``cbt``) and the condition that
analysis must meet, e.g. ``k >= 10 and ci_low > 0``: comparisons of a column of
the synthesis table (:data:`NAMES`) with a number, joined by ``and``. The
condition is parsed by :func:`parse_condition`, a few lines of regular
expressions (text from data is never evaluated as code), and checked with
:func:`failed` against the numbers as the synthesis table prints them.

A statement's text may print its analysis's numbers with placeholders
(``g = {g}, 95 % CI {ci_low} to {ci_high}; {k} trials``), filled by
:func:`fill` with the numbers as the text prints them (:func:`text_numbers`).
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from decimal import Decimal

from .pooling import COLUMNS, TEXT_DECIMALS, fixed

# The numbers a condition may compare and a statement may print: the synthesis table's columns.
NAMES = COLUMNS[2:]  # the numbers of a synthesis row: k, participants, g, ci_low, ci_high, tau2, i2
OPERATORS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq,
             "!=": operator.ne}
_COMPARISON = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|==|!=|>|<)\s*(-?(?:\d+(?:\.\d*)?|\.\d+))\s*")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class ConditionError(ValueError):
    """A condition that is not of the form ``name op number [and name op number ...]``."""


@dataclass(frozen=True)
class Comparison:
    """One comparison of a condition: a column of the synthesis table, an operator and a number."""

    name: str
    op: str
    value: Decimal

    def __str__(self) -> str:
        return f"{self.name} {self.op} {self.value}"


def parse_condition(text: str) -> tuple[Comparison, ...]:
    """The comparisons of a condition such as ``k >= 10 and ci_low > 0``.

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
        name, op, number = match.groups()
        if name not in NAMES:
            raise ConditionError(f'unknown name "{name}" (the names are {", ".join(NAMES)}).'
                                 + did_you_mean(name, NAMES))
        comparisons.append(Comparison(name, op, Decimal(number)))
    return tuple(comparisons)


def failed(comparisons: tuple[Comparison, ...], row: dict[str, str]) -> list[Comparison]:
    """The comparisons that the synthesis table's *row* (its cells as text) does not meet."""
    return [c for c in comparisons if not OPERATORS[c.op](Decimal(row[c.name]), c.value)]


def text_numbers(row: dict[str, str]) -> dict[str, str]:
    """The numbers of a synthesis table row as the text prints them: g, its interval and tau-squared to
    two decimals, I² whole, k as it is and the participants with thousands separators."""
    numbers = {name: fixed(row[name], places) for name, places in TEXT_DECIMALS.items()}
    numbers["k"] = row["k"]
    numbers["participants"] = f"{int(row['participants']):,}"
    return numbers


def placeholders(statement: str) -> list[str]:
    """The names a statement's ``{...}`` placeholders ask for, in order."""
    return _PLACEHOLDER.findall(str(statement))


def unknown_placeholders(statement: str) -> list[str]:
    """The placeholders of *statement* that are not names of :data:`NAMES`."""
    return [name for name in placeholders(statement) if name not in NAMES]


def fill(statement: str, numbers: dict[str, str]) -> str:
    """*statement* with each ``{name}`` replaced by its number (every name must be in *numbers*)."""
    return _PLACEHOLDER.sub(lambda match: numbers[match.group(1)], str(statement))


def render_statement(conclusion: dict, row: dict[str, str]) -> str:
    """A conclusion statement as printed: its text with its analysis's numbers (synthesis table *row*)."""
    return fill(conclusion["statement"], text_numbers(row))
