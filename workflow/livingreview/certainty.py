"""The certainty of the evidence: a GRADE-style rating of each main analysis, by rules the author edits.

The rules live in the review's data (config ``certainty``, e.g.
``data/certainty.yaml``; JSON Schema ``workflow/schemas/meta_certainty.schema.yaml``).
Every analysis they name starts at high certainty (randomised trials) and
loses one level for each of four domains whose rule finds a serious problem
(:func:`rate`):

- risk of bias: few trials meet all four risk-of-bias criteria and those
  that do give a different effect (the share and the pooled g of the
  low-risk trials of the analysis);
- inconsistency: I² high and the prediction interval includes no effect;
- imprecision: the confidence interval wide, or including the smallest
  effect that matters, or too few participants;
- publication bias: Egger's test (on the analysis's trials) significant
  with a limit estimate below the pooled g.

Each domain's judgement is a sentence: "not serious", "not assessed (...)",
"serious: <the numbers that made it so>" or, when the rule came close,
"not serious: <the numbers, and why they do not meet it>", printed in the summary of
findings (``summary_of_findings.csv``, a release file, and its table in the
article). The numbers are compared as the synthesis table prints them (four decimals)
and printed to as many decimals as show on which side of a rule's threshold they
fall (a difference of 0.095 against 0.10, not "0.10"), as the article prints a
number (:func:`livingreview.pooling.printed`: "−0.50", with the minus sign).

A rule *came close* (one notion for the four domains) when one of its conditions
holds though the judgement is not serious (a rule of two conditions that must both
hold: the share of low-risk trials or their g's difference; I² or the prediction
interval; Egger's p or the limit estimate), or when a number, rounded as the text
rounds it, would fall at a condition's threshold or on its other side (I² of 49.6 %
as "50 %", 50.4 % of the trials at low risk of bias as "50 %", a CI 0.499 wide as
"0.30 to 0.80", a bound of 0.2449 as "0.24", a prediction interval's 0.004 as "0.00").
The number needed to treat (Furukawa's method, :func:`livingreview.pooling.nnt`)
comes with each row, for the control event rate of the config
(``control_event_rate``).
"""

from __future__ import annotations

from decimal import Decimal

from . import pooling
from .guards import p_text
from .pooling import fixed, printed

RATINGS = ("high", "moderate", "low", "very low")
DOMAINS = ("risk_of_bias", "inconsistency", "imprecision", "publication_bias")
DOMAIN_NAMES = {"risk_of_bias": "risk of bias", "inconsistency": "inconsistency", "imprecision": "imprecision",
                "publication_bias": "publication bias"}
NOT_SERIOUS = "not serious"
NOT_ASSESSED = "not assessed"  # the start of a publication-bias judgement without Egger's test
# GRADE's plain-language wording of an effect at each certainty (Santesso et al., J Clin Epidemiol 2020):
# the verb of "<intervention> ___ <outcome>"; at very low certainty no verb, "the evidence is very uncertain".
CLAIM_VERBS = {"high": "reduce", "moderate": "probably reduce", "low": "may reduce", "very low": None}
# The same scale for a caveat about the pooled estimate ("the pooled g ___ the effect"): at very low certainty
# the weakest modal ("could"), after the claim has said that the evidence is very uncertain.
OVERSTATES = {"high": "overstates", "moderate": "probably overstates", "low": "may overstate",
              "very low": "could overstate"}
# The claim wordings the text may use, by the certainty each expresses: a sentence about a rated analysis may
# use only those of its rating (livingreview.guards.claim_problems checks every sentence of the Abstract,
# Results, Discussion and Conclusion, and every conclusion statement). Plain verbs of effect ("reduces",
# "had a larger effect", "favoured", "the pooled effect was large") claim high certainty. Numbers, and
# words about them ("g = 0.56, smaller than the 0.71 of all trials"), are no claim.
CLAIM_WORDINGS = {
    "high": (r"(?<!may )(?<!probably )\breduces? depressive symptoms\b",
             r"(?<!may )(?<!probably )\breduced depressive symptoms\b",
             r"\bhad (?:a|the) larger (?:pooled )?effect\b", r"\bfavou?red\b",
             r"\b(?:pooled )?effect (?:was|is) (?:large|moderate|small)\b",
             r"(?<!may )(?<!probably )(?<!could )\boverstates?\b",
             r"\b(?:is|are) (?:smaller|larger) than the pooled\b"),
    "moderate": (r"\bprobably\b", r"\blikely to\b"),
    "low": (r"\bmay (?:reduce|overstate|understate|be (?:smaller|larger))\b",),
    "very low": (r"\bvery uncertain\b", r"\bcould (?:overstate|understate|be (?:smaller|larger))\b"),
}
# The fewest trials a subgroup needs to enter a test of subgroup differences (one trial has no variance
# between trials to pool over: its effect is the trial's own).
MIN_SUBGROUP_K = 2
COLUMNS = ("analysis", "level", "k", "participants", "g", "ci_low", "ci_high", "pi_low", "pi_high",
           "control_event_rate", "nnt", "certainty", "downgrades", *DOMAINS)


def _shown(value, places: int = 2) -> str:
    """A number as the text prints it (:func:`livingreview.pooling.printed`)."""
    return printed(value, places)


def _table(value, places: int = 4) -> Decimal:
    """A number as the tables print it (the rules compare these), or as the text does (*places* 2), as a
    number."""
    return Decimal(fixed(value, places))


def _as_compared(value, limit, places: int = 2) -> str:
    """*value* as text with the fewest decimals (at least *places*, at most 4, the tables' precision) that
    show on which side of *limit* it falls: the text compares with the limit (less, equal, more) as the
    number does. ``_as_compared(0.095, 0.10)`` is ``"0.095"``, where two decimals would print ``"0.10"``."""
    value, limit = Decimal(str(value)), Decimal(str(limit))
    for decimals in range(places, 5):
        if _side(_table(value, decimals), limit) == _side(value, limit):
            return _shown(value, decimals)
    return _shown(value, 4)


def _side(value: Decimal, limit: Decimal) -> int:
    """-1, 0 or 1 as *value* is below, at or above *limit*."""
    return (value > limit) - (value < limit)


def _percent(share: float, limit: float) -> str:
    """A share as a percentage, whole unless that would hide on which side of the *limit* share it falls."""
    return _as_compared(Decimal(repr(share)) * 100, Decimal(str(limit)) * 100, 0)


def risk_of_bias(row: dict, members: list[dict], rule: dict) -> str:
    """The risk-of-bias judgement of one analysis (*row*, unrounded) from its comparisons *members*, the
    trials at low risk of bias counted from their ratings (:func:`livingreview.pooling.low_rob_trials`);
    when the rule came close (fewer than the rule's share at low risk of bias but their g close enough, or
    enough of them but their g further away, or their share as printed the rule's), "not serious: " with the
    numbers, the difference to as many decimals as show which side of the rule it falls. When the
    database's own score (``rob``) would give the other judgement, that judgement follows, with its numbers:
    a rating that turns on how the criteria are counted says so."""
    low = pooling.low_rob_trials(members)
    judgement = _risk_of_bias(row, members, low, rule)
    by_score = pooling.low_rob_trials_by_score(members)
    if by_score is None or by_score == low:
        return judgement
    other = _risk_of_bias(row, members, by_score, rule)
    if other.startswith("serious") == judgement.startswith("serious"):
        return judgement
    return f"{judgement}; counted by the database's risk-of-bias score instead of its ratings, {other}"


def _risk_of_bias(row: dict, members: list[dict], low: set[str], rule: dict) -> str:
    """:func:`risk_of_bias` with the trials at low risk of bias *low* (of the analysis's *row* and its
    comparisons *members*)."""
    k = int(row["k"])
    share = len(low) / k
    limit = Decimal(str(rule["max_difference"]))
    percent = _percent(share, rule["min_low_rob_share"])
    if not low:
        return (f"serious: {percent} % of the trials (0 of {k}) met all four risk-of-bias criteria, and "
                "none does")
    _, effects, variances = pooling.trial_effects([c for c in members if c["key"] in low])
    low_g, g = pooling.pool(effects, variances).g, row["g"]
    difference = abs(_table(low_g) - _table(g))
    shown_low, shown_g, shown_difference, decimals = _compared_pair(low_g, g, limit)
    if share >= rule["min_low_rob_share"]:
        notes = []
        if percent == _percent(rule["min_low_rob_share"], 0) or difference > limit:
            notes.append(f"{percent} % ({len(low)} of {k}) at low risk of bias, not fewer than "
                         f"{_percent(rule['min_low_rob_share'], 0)} %")
        if difference > limit:
            notes.append(f"though their g = {shown_low} differs from {shown_g} by {shown_difference}, more "
                         f"than {_shown(limit)}")
        return f"{NOT_SERIOUS}: " + ", ".join(notes) if notes else NOT_SERIOUS
    if difference > limit:
        # the difference, when the g's need more decimals than the text's to show that it is more than the rule's
        by = f" (a difference of {shown_difference})" if decimals > 2 else ""
        return (f"serious: {percent} % of the trials ({len(low)} of {k}) met all four risk-of-bias "
                f"criteria, and the {len(low)} that do give g = {shown_low} against {shown_g}{by}")
    relation = "less than" if difference < limit else "equal to"
    return (f"{NOT_SERIOUS}: {percent} % ({len(low)} of {k}) at low risk of bias, whose g = {shown_low} "
            f"differs from {shown_g} by {shown_difference}, {relation} {_shown(limit)}")


def _compared_pair(a, b, limit) -> tuple[str, str, str, int]:
    """*a*, *b* and their difference as text, and the decimals printed: the fewest (2 to 4, the tables'
    precision) at which the difference of the printed numbers falls on the same side of *limit* as that of the
    numbers, so that the reader can subtract what the text prints. ``_compared_pair(0.533, 0.628, 0.10)`` is
    ``("0.533", "0.628", "0.095", 3)``, where two decimals would print 0.53 and 0.63, 0.10 apart."""
    limit = Decimal(str(limit))
    side = _side(abs(_table(a) - _table(b)), limit)
    for decimals in range(2, 5):
        difference = abs(_table(a, decimals) - _table(b, decimals))
        if _side(difference, limit) == side or decimals == 4:
            return _shown(a, decimals), _shown(b, decimals), _shown(difference, decimals), decimals


def inconsistency(row: dict, rule: dict) -> str:
    """The inconsistency judgement: I² and the prediction interval; "not serious: " with the numbers when
    one of the two conditions holds, or I² or the interval as the text rounds them would seem to meet the
    rule."""
    value = Decimal(str(rule["pi_includes"]))
    limit = Decimal(str(rule["max_i2"]))
    i2 = _table(row["i2"], 1)
    low, high = _table(row["pi_low"]), _table(row["pi_high"])
    high_i2, includes = i2 >= limit, low <= value <= high
    i2_text = _as_compared(i2, limit, 0)
    interval = (f"the 95 % prediction interval ({_as_compared(row['pi_low'], value)} to "
                f"{_as_compared(row['pi_high'], value)})")
    if high_i2 and includes:
        return f"serious: I² = {i2_text} % and {interval} includes g = {_shown(value)}"
    if high_i2:
        return f"{NOT_SERIOUS}: I² = {i2_text} %, but {interval} excludes g = {_shown(value)}"
    # the bounds as the text rounds them would seem to include the value the interval excludes
    seems_to_include = not includes and _table(low, 2) <= value <= _table(high, 2)
    if includes or seems_to_include or i2_text != _shown(i2, 0):
        return (f"{NOT_SERIOUS}: I² = {i2_text} %, less than {_shown(limit, 0)} %"
                + (f", though {interval} includes g = {_shown(value)}" if includes else "")
                + (f"; {interval} excludes g = {_shown(value)}" if seems_to_include else ""))
    return NOT_SERIOUS


def imprecision(row: dict, rule: dict) -> str:
    """The imprecision judgement: the width of the CI, whether it includes the threshold, the participants;
    "not serious: " with the numbers when the CI as the text rounds it would seem to meet the rule."""
    low, high = _table(row["ci_low"]), _table(row["ci_high"])
    threshold = Decimal(str(rule["threshold"]))
    width_limit = Decimal(str(rule["max_ci_width"]))
    width = high - low
    # the bounds as precise as they must be to show whether the CI includes the threshold
    ci = f"the 95 % CI ({_as_compared(low, threshold)} to {_as_compared(high, threshold)})"
    shown_width = _table(high, 2) - _table(low, 2)
    close = _side(shown_width, width_limit) != _side(width, width_limit)  # the rounded bounds hide the side
    wide = f"{ci} is {_as_compared(width, width_limit)} wide," if close else f"{ci} is"
    reasons = []
    if width > width_limit:
        reasons.append(f"{wide} wider than {rule['max_ci_width']}")
    if low <= threshold <= high:
        reasons.append(f"{ci} includes g = {_shown(threshold)}, the smallest effect that matters")
    if row["participants"] < rule["min_participants"]:
        reasons.append(f"only {int(row['participants']):,} participants (fewer than {rule['min_participants']:,})")
    if reasons:
        return "serious: " + "; ".join(reasons)
    notes = []
    if close:
        notes.append(f"{wide} not wider than {rule['max_ci_width']}")
    if _table(low, 2) <= threshold <= _table(high, 2):
        notes.append(f"{ci} excludes g = {_shown(threshold)}")
    return f"{NOT_SERIOUS}: " + "; ".join(notes) if notes else NOT_SERIOUS


def publication_bias(row: dict, members: list[dict], rule: dict) -> tuple[str, dict | None]:
    """The publication-bias judgement, and Egger's test on the analysis's trials (None when not assessed);
    "not serious: " with the test when one of the rule's two conditions holds: the test is significant but
    its limit estimate is not below the pooled g, or the limit estimate is below the pooled g but the test
    is not significant (p and the limit estimate to as many decimals as show on which side of the rule
    they fall)."""
    _, effects, variances = pooling.trial_effects(members)
    if len(effects) < rule["min_k"]:
        return f"{NOT_ASSESSED} (fewer than {rule['min_k']} trials)", None
    egger = pooling.egger_test(effects, variances)
    limit = Decimal(str(rule["max_p"]))
    p = Decimal(str(egger["p"]))
    p_shown = p_text(egger["p"]) if p < Decimal("0.0005") else f"p = {_as_compared(p, limit, 3)}"
    limit_g = _as_compared(egger["limit_g"], _table(row["g"]))
    if p < limit and _table(egger["limit_g"]) < _table(row["g"]):
        return (f"serious: Egger's test t = {_shown(egger['statistic'])}, {p_shown}; the limit "
                f"estimate at SE = 0 is g = {limit_g} (95 % CI {_shown(egger['ci_low'])} "
                f"to {_shown(egger['ci_high'])}) against {_shown(row['g'])}"), egger
    if p < limit:
        return (f"{NOT_SERIOUS}: Egger's test t = {_shown(egger['statistic'])}, {p_shown}, but the limit "
                f"estimate at SE = 0, g = {limit_g}, is not below {_shown(row['g'])}"), egger
    if _table(egger["limit_g"]) < _table(row["g"]):
        return (f"{NOT_SERIOUS}: Egger's test t = {_shown(egger['statistic'])}, {p_shown}, not below "
                f"{_shown(limit)}, though the limit estimate at SE = 0, g = {limit_g}, is below "
                f"{_shown(row['g'])}"), egger
    return NOT_SERIOUS, egger


def rate(rows: list[dict], comparisons: list[dict], rules: dict | None, control_event_rate: float) -> list[dict]:
    """The summary of findings, unrounded: one row per level of each analysis the *rules* name (the
    synthesis *rows*, unrounded, of :func:`livingreview.pooling.synthesis`; the post-treatment *comparisons*
    they pooled), with its NNT, its four domain judgements, its downgrades, its certainty and the Egger's
    test the publication-bias judgement ran (``egger``, None when not assessed); none without *rules*."""
    findings = []
    for analysis in (rules or {}).get("analyses", []):
        column = pooling.ANALYSES[analysis]
        for row in (r for r in rows if r["analysis"] == analysis):
            members = comparisons if column is None else [c for c in comparisons if c[column] == row["level"]]
            judgements = {"risk_of_bias": risk_of_bias(row, members, rules["risk_of_bias"]),
                          "inconsistency": inconsistency(row, rules["inconsistency"]),
                          "imprecision": imprecision(row, rules["imprecision"])}
            judgements["publication_bias"], egger = publication_bias(row, members, rules["publication_bias"])
            downgrades = sum(j.startswith("serious") for j in judgements.values())
            findings.append({**{name: row[name] for name in pooling.COLUMNS}, "control_event_rate": control_event_rate,
                             "nnt": pooling.nnt(row["g"], control_event_rate), **judgements,
                             "downgrades": downgrades, "certainty": RATINGS[min(downgrades, len(RATINGS) - 1)],
                             "egger": egger})
    return findings


def claim(certainty: str, subject: str, comparator: str, outcome: str = "depressive symptoms",
          when: str = "at the end of treatment", singular: bool = False) -> str:
    """The finding that *subject* lowers *outcome* more than *comparator*, worded as GRADE words it at
    *certainty* (:data:`CLAIM_VERBS`), without a full stop: "Psychotherapies may reduce depressive
    symptoms more than care as usual at the end of treatment"; at very low certainty "The evidence is
    very uncertain about the effect of psychotherapies on depressive symptoms ..., compared with ...".
    A *singular* subject takes a singular verb ("reduces"). Only for an effect whose confidence interval
    lies above zero: the caller checks."""
    verb = CLAIM_VERBS[certainty]
    if verb is not None and singular and not verb.startswith("may"):
        verb += "s"  # "Cognitive behavioural therapy probably reduces ..."
    if verb is None:
        return (f"The evidence is very uncertain about the effect of {subject} on {outcome} {when}, "
                f"compared with {comparator}")
    return f"{subject[:1].upper()}{subject[1:]} {verb} {outcome} more than {comparator} {when}"


def not_assessed(judgements: dict[str, str]) -> list[tuple[str, str]]:
    """The domains a summary-of-findings row did not assess, each with its reason: ``[("publication
    bias", "fewer than 10 trials")]`` from the judgements by domain name ("not assessed (fewer than 10 trials)")."""
    return [(domain, judgement.removeprefix(NOT_ASSESSED).strip().strip("()"))
            for domain, judgement in judgements.items() if judgement.startswith(NOT_ASSESSED)]


def table_row(row: dict) -> dict[str, str]:
    """A summary-of-findings row as its table writes it: the synthesis numbers as synthesis.csv has them,
    the control event rate as given, the NNT to two decimals (empty when g is 0)."""
    cells = pooling.table_row(row)
    cells.update({"control_event_rate": str(row["control_event_rate"]),
                  "nnt": "" if row["nnt"] == float("inf") else fixed(row["nnt"], 2),
                  "certainty": row["certainty"], "downgrades": str(row["downgrades"]),
                  **{name: row[name] for name in DOMAINS}})
    return cells
