"""Ordering of studies and the evidence guard of conclusion statements."""

import pytest
from livingreview.errors import EvidenceError
from livingreview.evidence import conclusion_statements, narrative_order


def theme(name, order, statement="", conclusion_order=None, also=()):
    return {"theme": name, "order": order, "label": name.title(), "statement": statement,
            "conclusion_order": conclusion_order, "also_requires": list(also), "_row": order, "_line": order + 1}


def study(key, theme_name, row, status="included"):
    return {"key": key, "theme": theme_name, "status": status, "_row": row}


THEMES = [theme("b", 2, "B works.", 1, also=["c"]), theme("a", 1, "A works.", 2), theme("c", 3)]


def test_narrative_order_is_theme_order_then_row_order():
    studies = [study("x", "b", 1), study("y", "a", 2), study("z", "b", 3), study("w", "a", 4, "retracted")]
    assert [s["key"] for s in narrative_order(studies, THEMES)] == ["y", "x", "z"]


def test_statements_in_conclusion_order_with_their_support():
    included = [study("y", "a", 1), study("x", "b", 2), study("v", "c", 3)]
    statements = conclusion_statements(THEMES, included, "themes.csv")
    assert [s["statement"] for s in statements] == ["B works.", "A works."]
    assert [s["key"] for s in statements[0]["studies"]] == ["x", "v"]


@pytest.mark.parametrize("included, missing", [
    ([study("y", "a", 1), study("v", "c", 3)], 'theme "b"'),
    ([study("y", "a", 1), study("x", "b", 2)], 'theme "c"'),
])
def test_a_statement_without_its_evidence_stops_the_build(included, missing):
    with pytest.raises(EvidenceError) as caught:
        conclusion_statements(THEMES, included, "themes.csv")
    message = str(caught.value)
    assert '"B works."' in message and missing in message and "themes.csv, row 2" in message
