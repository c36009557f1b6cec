"""Citations in the PDF: long ones break between their numbers only, never elsewhere; links to the reference
list as config pdf_citation_links says."""

from __future__ import annotations

import copy

from livingreview.stages.formats import LONG_CITATION, citation_links, pdf_citations

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
    result = pdf_citations(tree(citation(keys, "[1,2,4–9,12]")))
    assert texts(result) == [f"[1,{ZWSP}2,{ZWSP}4–9,{ZWSP}12]"]


def test_prose_and_short_citations_are_left_as_they_are():
    original = tree({"t": "Str", "c": "30,889"}, citation(["a", "b"], "[1,2]"))
    assert pdf_citations(copy.deepcopy(original)) == original


def linked(keys: list[str], number: str) -> dict:
    """A Cite node of *keys* whose formatted text is a link to the first key's entry, then "]"."""
    node = citation(keys, "]")
    node["c"][1] = [{"t": "Str", "c": "["}, {"t": "Link", "c": [["", [], []], [{"t": "Str", "c": number}],
                                                                  [f"#ref-{keys[0]}", ""]]}, node["c"][1][0]]
    return node


def test_without_links_a_citation_keeps_its_text_and_other_links_stay():
    web = {"t": "Link", "c": [["", [], []], [{"t": "Str", "c": "site"}], ["https://example.org", ""]]}
    original = tree(linked(["a"], "1"), web)
    assert pdf_citations(copy.deepcopy(original)) == original
    result = pdf_citations(copy.deepcopy(original), links=False)
    assert result["blocks"][0]["c"][0]["c"][1] == [{"t": "Str", "c": c} for c in ("[", "1", "]")]
    assert result["blocks"][0]["c"][1] == web


def test_citation_links_up_to_a_number_of_references():
    assert citation_links(True, 10_000) and not citation_links(False, 1)
    assert citation_links(1000, 1000) and not citation_links(1000, 1001)
