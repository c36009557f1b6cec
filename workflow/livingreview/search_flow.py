"""The arithmetic of a database release's search flow (its ``search_flow.json``, PRISMA 2020 counts), checked
against the trials the release holds: what the flow diagram and the import report say when a box does not
follow from the one before it.

Two differences occur in the Metapsy releases, and both are named, never hidden:

- *unaccounted*: the reports assessed in full text, less those excluded with a reason, are not the number
  the flow reports as included (release 24.0.2: 4,439 - 3,875 = 564, but 480 included), and the release
  gives no reason for the difference;
- *outside*: the flow's included studies are more than the trials of this database (release 22.0.2: 809
  included, 415 trials): its search (``search_string.txt``) finds trials of every comparison of
  psychotherapy for depression, and its flow counted them all (release 24.0.2 excludes them as "Other
  comparisons than PSY vs CTR"), while this database holds one comparison (``comparisons.txt``:
  psychotherapy vs control).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FlowCheck:
    """The full-text stage of a search flow and the trials of its release."""

    full_texts: int  # reports assessed for eligibility
    excluded: int  # reports excluded, the sum of the reasons
    included: int  # as the flow reports it
    trials: int  # the studies the release's data hold

    @property
    def remaining(self) -> int:
        """The reports assessed and not excluded with a reason."""
        return self.full_texts - self.excluded

    @property
    def unaccounted(self) -> int:
        """Reports neither excluded nor included (negative: the flow includes more than it leaves)."""
        return self.remaining - self.included

    @property
    def outside(self) -> int:
        """Studies the flow includes that the release's data do not hold (negative: fewer than it holds)."""
        return self.included - self.trials


def _number(value) -> int | None:
    """*value* as a whole number, or None when it is not a count."""
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def check_flow(flow: dict, trials: int) -> FlowCheck | None:
    """The check of search flow *flow* (``search_flow.json`` as imported) against *trials*, the studies of
    its release; None when the flow lacks the full-text counts or the number included."""
    reasons = flow.get("full.text.excluded.reasons") or {}
    counts = [_number(n) for n in reasons.values()]
    full_texts, included = _number(flow.get("full.text.assessed.for.eligibility")), _number(flow.get("included"))
    if full_texts is None or included is None or None in counts:
        return None
    return FlowCheck(full_texts, sum(counts), included, trials)


def unaccounted_text(check: FlowCheck) -> str:
    """Why reports are neither excluded nor included, as the flow diagram and the import report say it."""
    if check.unaccounted > 0:
        return (f"the search flow reports {check.included:,} included and gives no reason for the other "
                f"{check.unaccounted:,} of the {check.remaining:,} reports it did not exclude")
    return (f"the search flow reports {check.included:,} included, {-check.unaccounted:,} more than the "
            f"{check.remaining:,} reports it did not exclude, and gives no reason")


def outside_text(check: FlowCheck, scope: str) -> str:
    """Why the flow's included studies are not the database's trials, as the flow diagram and the import
    report say it (*scope*: the release's ``comparisons.txt``, e.g. "psychotherapy vs control")."""
    if check.outside > 0:
        return ("the search flow counts the trials of every comparison its search finds; this database holds "
                + (f"{scope} only" if scope else "some of them") + f": {check.trials:,} trials")
    return (f"the release holds {check.trials:,} trials, more than the {check.included:,} its search flow includes, "
            "and gives no reason")
