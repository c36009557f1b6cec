"""A negative number in the article prints with the minus sign (U+2212), in its text, tables and figures and so in
every format made from them (Markdown, HTML, PDF, Word, JATS), as a typesetter expects: one function formats a
number for print (livingreview.pooling.printed), and everything the article prints goes through it. The data
files (synthesis.csv, summary_of_findings.csv's numbers, evidence.json) keep the hyphen-minus, so that they parse.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from livingreview import certainty, meta_analysis, pooling
from livingreview.stages import synthesis
from livingreview.stages.changes import REPORT_FILTERS
from livingreview.stages.figures import funnel_description
from livingreview.templates import Templates
from test_guards import REVIEW, load, pool, review_copy

MINUS = "\u2212"
# A hyphen-minus that signs a number: before a digit, not after a letter, digit or hyphen ("COVID-19", "1977-2024",
# "10.1016/j.jad-2021" keep theirs).
HYPHEN_SIGN = re.compile(r"(?<![\w-])-(?=\d)")


@pytest.mark.parametrize("value, places, text", [
    (-0.504, 2, f"{MINUS}0.50"), ("-0.5040", 2, f"{MINUS}0.50"), (Decimal("-1.2345"), 3, f"{MINUS}1.235"),
    (0.71, 2, "0.71"), (-0.004, 2, "0.00"), (-0.0051, 2, f"{MINUS}0.01"), (-3, None, f"{MINUS}3"),
    (0.5, None, "0.5"), ("-0.1", None, f"{MINUS}0.1"),
])
def test_printed_gives_a_negative_number_the_minus_sign(value, places, text):
    """:func:`livingreview.pooling.printed` rounds as :func:`~livingreview.pooling.fixed` does (never "−0.00")
    and signs a negative number with U+2212; :func:`~livingreview.pooling.printed_number` reads it back."""
    assert pooling.printed(value, places) == text
    assert pooling.printed_number(text) == Decimal(pooling.fixed(value, places) if places is not None else str(value))


def test_the_data_files_keep_the_hyphen_minus():
    row = {"analysis": "overall", "level": "all", "k": 479, "participants": 54428.0, "g": 0.7125, "ci_low": 0.6522,
           "ci_high": 0.7727, "pi_low": -0.50396, "pi_high": 1.92893, "tau2": 0.3811, "i2": 84.96}
    assert pooling.table_row(row)["pi_low"] == "-0.5040"
    assert "\n" + "overall,all,479,54428,0.7125,0.6522,0.7727,-0.5040,1.9289," in pooling.table_text([row])


def test_a_template_prints_a_negative_number_with_the_minus_sign_and_compares_it_as_a_number(tmp_path):
    """A number a template prints (a rule of the certainty, say) gets the minus sign; the ``float`` filter reads
    the numbers the context gives as printed ("−0.50"), so that ``pi_low | float < 0`` holds for them."""
    (tmp_path / "t.md.j2").write_text("{{ value }}; {{ printed | float < 0 }}; {{ (printed | float) * 2 }}; "
                                      "{{ 'x' | float }}", encoding="utf-8")
    assert Templates([tmp_path]).render("t.md.j2", value=-0.1, printed=f"{MINUS}0.50") == \
        f"{MINUS}0.1; True; {MINUS}1.0; 0.0"


def test_the_changes_report_and_the_funnel_plot_print_the_minus_sign():
    assert REPORT_FILTERS["fixed"]("-0.3090", 3) == f"{MINUS}0.309"
    assert [REPORT_FILTERS["signed"](v, 2) for v in (0.05, -0.01, -0.001)] == ["+0.05", f"{MINUS}0.01", "0.00"]
    assert funnel_description(6, "0.49", {"limit_g": -0.1149}).endswith(
        f"at the limit estimate g = {MINUS}0.11.")


@pytest.fixture(scope="module")
def metapsy(tmp_path_factory):
    """The Metapsy review's synthesis (its own data and conclusion statements, through the evidence and synthesis
    stages), whose prediction intervals reach below zero; and its evidence's conclusion statements."""
    folder = review_copy(tmp_path_factory.mktemp("metapsy"),
                         (REVIEW / "data" / "conclusions.csv").read_text(encoding="utf-8"))
    load(folder)
    pool(folder)
    evidence = json.loads((folder / "build" / "evidence.json").read_text(encoding="utf-8"))
    return synthesis.read_results(folder / "build" / "synthesis.csv"), evidence["conclusions"]


def test_table_4s_reasons_print_the_minus_sign(metapsy):
    """The synthesis stage writes Table 4's reasons (summary_of_findings.csv, printed by Table 4 as they are): a
    negative number in a reason has the minus sign, as the text and Table 2 print it; the tables' numbers keep
    the hyphen-minus."""
    results, _ = metapsy
    overall = results[("overall", pooling.OVERALL_LEVEL)]
    assert overall["pi_low"].startswith("-")  # synthesis.csv
    assert all(f["pi_low"].startswith("-") for f in results.findings)  # summary_of_findings.csv's numbers
    reasons = [f[domain] for f in results.findings for domain in certainty.DOMAINS]
    shown = MINUS + pooling.fixed(overall["pi_low"], 2)[1:]  # "−0.50"
    assert (f"serious: I² = {pooling.fixed(overall['i2'], 0)} % and the 95 % prediction interval ({shown} to "
            f"{pooling.fixed(overall['pi_high'], 2)}) includes g = 0.00") in reasons
    assert not [r for r in reasons if HYPHEN_SIGN.search(r)]
    findings = meta_analysis.robustness_context(results)["findings"]
    assert [f for f in findings if f["analysis"] == "overall"][0]["pi_low"] == shown


def test_the_conclusions_statements_print_the_minus_sign(metapsy):
    """A conclusion statement's numbers, filled from the synthesis table, have the minus sign when negative (the
    Metapsy review's statement on heterogeneity prints the prediction interval)."""
    results, conclusions = metapsy
    shown = MINUS + pooling.fixed(results[("overall", pooling.OVERALL_LEVEL)]["pi_low"], 2)[1:]
    statements = [s["text"] for s in meta_analysis.conclusion_context(conclusions, results)]
    assert any(f"95 % prediction interval {shown} to" in s for s in statements)
    assert not [s for s in statements if HYPHEN_SIGN.search(s)]
