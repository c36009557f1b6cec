"""The certainty rules' judgements (livingreview.certainty) show on which side of each threshold a number
falls: a rule examined that came close gives its reason though not serious ("not serious: ..."), and a
number printed rounded gets the decimals that show whether it is below, at or above the rule's threshold."""

from __future__ import annotations

from livingreview import certainty

RULES = {"risk_of_bias": {"min_low_rob_share": 0.5, "max_difference": 0.10},
         "inconsistency": {"max_i2": 50, "pi_includes": 0},
         "imprecision": {"max_ci_width": 0.5, "threshold": 0.24, "min_participants": 400}}


def trials(low: int, others: int, low_g: float = 0.53, other_g: float = 0.70) -> list[dict]:
    """Comparisons of *low* trials at low risk of bias (each g = *low_g*) and *others* that are not."""
    return [{"key": f"t{i}", "id": f"c{i}", "g": low_g if i < low else other_g, "g_se": 0.2,
             "rob": 4 if i < low else 2} for i in range(low + others)]


def test_as_compared_prints_the_decimals_that_show_the_side_of_the_threshold():
    assert certainty._as_compared(0.0950, 0.10) == "0.095"
    assert certainty._as_compared(0.1049, 0.10) == "0.105"
    assert certainty._as_compared(0.1000, 0.10) == "0.10"
    assert certainty._as_compared(0.3, 0.10) == "0.30"
    assert certainty._as_compared(49.6, 50, 0) == "49.6"
    assert certainty._as_compared(-0.0004, 0) == "−0.0004"  # a negative number with the minus sign


def test_risk_of_bias_not_serious_gives_its_reason_when_few_trials_are_at_low_risk():
    # 4 of 10 at low risk (fewer than half); their g = 0.53 against 0.628: 0.098 apart, under 0.10 -- the g's
    # get the decimals of the difference: "0.53 differs from 0.63 by 0.098" would not add up
    row = {"k": 10, "g": 0.628}
    assert certainty.risk_of_bias(row, trials(4, 6), RULES["risk_of_bias"]) == (
        "not serious: 40 % (4 of 10) at low risk of bias, whose g = 0.530 differs from 0.628 by 0.098, "
        "less than 0.10")
    # 6 of 10 at low risk whose g = 0.53 is 0.07 from 0.60: neither condition holds
    assert certainty.risk_of_bias({"k": 10, "g": 0.6}, trials(6, 4), RULES["risk_of_bias"]) == "not serious"
    # serious, but rounded g's 0.10 apart: the difference is printed
    assert certainty.risk_of_bias({"k": 10, "g": 0.6349}, trials(4, 6), RULES["risk_of_bias"]).endswith(
        "the 4 that do give g = 0.530 against 0.635 (a difference of 0.105)")
    assert certainty.risk_of_bias({"k": 10, "g": 0.71}, trials(4, 6), RULES["risk_of_bias"]).endswith(
        "give g = 0.53 against 0.71")


def test_inconsistency_not_serious_says_which_condition_failed_and_i2_near_50_keeps_a_decimal():
    rule = RULES["inconsistency"]
    assert certainty.inconsistency({"i2": 62.0, "pi_low": 0.05, "pi_high": 1.2}, rule) == (
        "not serious: I² = 62 %, but the 95 % prediction interval (0.05 to 1.20) excludes g = 0.00")
    assert certainty.inconsistency({"i2": 49.6, "pi_low": -0.1, "pi_high": 1.2}, rule) == (
        "not serious: I² = 49.6 %, less than 50 %, though the 95 % prediction interval (−0.10 to 1.20) "
        "includes g = 0.00")
    assert certainty.inconsistency({"i2": 20.0, "pi_low": 0.1, "pi_high": 1.2}, rule) == "not serious"
    assert certainty.inconsistency({"i2": 87.0, "pi_low": -0.56, "pi_high": 1.82}, rule) == (
        "serious: I² = 87 % and the 95 % prediction interval (−0.56 to 1.82) includes g = 0.00")


def test_imprecision_ci_width_and_threshold_near_the_rule_are_printed_precisely():
    rule = RULES["imprecision"]
    # 0.30 to 0.80 rounded looks 0.50 wide; it is 0.4992 wide (0.499): not wider than 0.5
    assert certainty.imprecision({"ci_low": 0.3004, "ci_high": 0.7996, "participants": 900}, rule) == (
        "not serious: the 95 % CI (0.30 to 0.80) is 0.499 wide, not wider than 0.5")
    assert certainty.imprecision({"ci_low": 0.2996, "ci_high": 0.8004, "participants": 900}, rule) == (
        "serious: the 95 % CI (0.30 to 0.80) is 0.501 wide, wider than 0.5")
    # a lower bound of 0.2449 prints "0.24" and would seem to include g = 0.24
    assert certainty.imprecision({"ci_low": 0.2449, "ci_high": 0.60, "participants": 900}, rule) == (
        "not serious: the 95 % CI (0.245 to 0.60) excludes g = 0.24")
    assert certainty.imprecision({"ci_low": 0.4, "ci_high": 0.6, "participants": 900}, rule) == "not serious"


def test_a_risk_of_bias_that_turns_on_how_the_criteria_are_counted_gives_the_other_judgement_too():
    """Trials are at low risk of bias by their four ratings (livingreview.pooling.criteria_met); where the
    database's score would give the other judgement (a trial scored 4 whose ratings meet 3 criteria: the
    low-risk trials' g moves across the rule), the reason gives that judgement too, with its numbers; where
    both counts agree, nothing is added."""
    def rated(rows: list[dict], met: set[str]) -> list[dict]:
        return [dict(r, sg=1, ac=1 if r["key"] in met else 0, itt=1, ba="1") for r in rows]

    rows = trials(4, 6)  # scored 4: t0-t3, g 0.53; the others 0.70
    rows[4] = dict(rows[4], rob=2)
    # by the ratings, t0-t2 and t4 (t3 fails allocation concealment, t4 meets all four though scored 2)
    members = rated(rows, {"t0", "t1", "t2", "t4"})
    judgement = certainty.risk_of_bias({"k": 10, "g": 0.65}, members, RULES["risk_of_bias"])
    assert judgement.startswith("not serious: 40 % (4 of 10) at low risk of bias, whose g = ")
    assert "; counted by the database's risk-of-bias score instead of its ratings, serious: 40 % of the trials " \
           "(4 of 10) met all four risk-of-bias criteria, and the 4 that do give g = " in judgement
    agreeing = rated(rows, {"t0", "t1", "t2", "t3"})
    assert "counted by the database" not in certainty.risk_of_bias({"k": 10, "g": 0.62}, agreeing,
                                                                    RULES["risk_of_bias"])


def test_publication_bias_not_serious_gives_its_reason_when_the_limit_estimate_is_below_g(monkeypatch):
    """Egger's test not significant (p = 0.109, not below the rule's 0.10) with a limit estimate below the
    pooled g (-0.08 against 0.38: the rule's other condition holds), as psychodynamic therapy in release
    22.0.2: the rule came close, and the judgement says why it is not serious; with neither condition, a bare
    "not serious"."""
    from livingreview import pooling

    rule = {"max_p": 0.10, "min_k": 10}
    egger = {"test": "egger", "k": 12, "statistic": 1.77, "p": 0.1091, "limit_g": -0.0834, "ci_low": -0.59,
             "ci_high": 0.43, "slope": 2.0}
    monkeypatch.setattr(pooling, "egger_test", lambda effects, variances: dict(egger))
    judgement, test = certainty.publication_bias({"k": 12, "g": 0.3812}, trials(6, 6), rule)
    assert judgement == ("not serious: Egger's test t = 1.77, p = 0.109, not below 0.10, though the limit "
                         "estimate at SE = 0, g = −0.08, is below 0.38")
    assert test["p"] == 0.1091
    egger.update(p=0.0999, limit_g=0.45)  # significant, the limit estimate not below: the other condition
    assert certainty.publication_bias({"k": 12, "g": 0.3812}, trials(6, 6), rule)[0] == (
        "not serious: Egger's test t = 1.77, p = 0.0999, but the limit estimate at SE = 0, g = 0.45, is not "
        "below 0.38")
    egger.update(p=0.40, limit_g=0.45)  # neither condition: the rule did not come close
    assert certainty.publication_bias({"k": 12, "g": 0.3812}, trials(6, 6), rule)[0] == "not serious"


def test_risk_of_bias_not_serious_gives_its_reason_when_the_low_risk_trials_g_is_far():
    """Enough trials at low risk of bias (6 of 10, not fewer than half) whose g differs by more than the rule's
    0.10: the rule's other condition holds, so it came close, and the judgement says why it is not serious."""
    assert certainty.risk_of_bias({"k": 10, "g": 0.60}, trials(6, 4, low_g=0.40, other_g=0.90),
                                  RULES["risk_of_bias"]) == (
        "not serious: 60 % (6 of 10) at low risk of bias, not fewer than 50 %, though their g = 0.40 differs "
        "from 0.60 by 0.20, more than 0.10")
    assert certainty.risk_of_bias({"k": 10, "g": 0.45}, trials(6, 4, low_g=0.40, other_g=0.90),
                                  RULES["risk_of_bias"]) == "not serious"


def test_inconsistency_a_prediction_interval_that_rounded_would_seem_to_include_zero_is_printed_precisely():
    """I² under the rule and a prediction interval from 0.004: as the text rounds it ("0.00 to 1.20") it would
    seem to include g = 0, the rule's other condition; the judgement prints its bounds precisely and says it
    excludes 0 (as imprecision does for a CI bound that rounds to the threshold)."""
    assert certainty.inconsistency({"i2": 30.0, "pi_low": 0.004, "pi_high": 1.2}, RULES["inconsistency"]) == (
        "not serious: I² = 30 %, less than 50 %; the 95 % prediction interval (0.004 to 1.20) excludes g = 0.00")
    assert certainty.inconsistency({"i2": 30.0, "pi_low": 0.006, "pi_high": 1.2}, RULES["inconsistency"]) == (
        "not serious")
