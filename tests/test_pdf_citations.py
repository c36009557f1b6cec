"""Long citations in the PDF: break opportunities between their numbers only, never elsewhere."""

from __future__ import annotations

from livingreview.stages.formats import LONG_CITATION, breakable_citations

ZWSP = "\u200b"


def citation(keys: list[str], text: str) -> dict:
    """A Cite node of *keys* whose formatted text is the one Str *text*."""
    items = [{"citationId": key, "citationPrefix": [], "citationSuffix": [], "citationMode": {"t": "NormalCitation"},
              "citationNoteNum": 1, "citationHash": 0} for key in keys]
    return {"t": "Cite", "c": [items, [{"t": "Str", "c": text}]]}


def tree(*inlines: dict) -> dict:
    return {"pandoc-api-version": [1, 23, 1], "meta": {}, "blocks": [{"t": "Para", "c": list(inlines)}]}


def texts(result: dict) -> list[str]:
    return [node["c"] if node["t"] == "Str" else node["c"][1][0]["c"] for node in result["blocks"][0]["c"]]


def test_a_long_citation_may_break_after_each_of_its_commas():
    keys = [f"k{n}" for n in range(LONG_CITATION)]
    result = breakable_citations(tree(citation(keys, "[1,2,4–9,12]")))
    assert texts(result) == [f"[1,{ZWSP}2,{ZWSP}4–9,{ZWSP}12]"]


def test_prose_and_short_citations_are_left_as_they_are():
    original = tree({"t": "Str", "c": "30,889"}, citation(["a", "b"], "[1,2]"))
    assert breakable_citations(original) == original
