"""Citations as the templates write them (pandoc citations) and as the snapshot records them."""

import pytest
from livingreview.citations import (
    cite_marker,
    cited_keys,
    compress_numbers,
    format_numbers,
    map_citations,
    pandoc_citation,
)
from livingreview.templates import cite, with_citation


def test_a_citation_is_a_pandoc_citation_with_braced_keys():
    assert pandoc_citation(["smith2020"]) == "[@{smith2020}]"
    assert pandoc_citation(["b", "a"]) == "[@{b}; @{a}]"
    assert pandoc_citation(["doi:10.1/x_y"]) == "[@{doi:10.1/x_y}]"


@pytest.mark.parametrize("key", ["", "two words", "brace}", "{brace", "tab\tkey", "\ue000x"])
def test_a_key_that_cannot_be_cited_is_refused(key):
    with pytest.raises(ValueError, match="not a citation key"):
        pandoc_citation([key])


def test_a_citation_needs_a_key():
    with pytest.raises(ValueError):
        pandoc_citation([])


def test_the_filters_cite_studies_and_escape_the_text():
    study = {"key": "smith2020"}
    assert cite([study, "jones2021"]) == "[@{smith2020}; @{jones2021}]"
    assert with_citation("It works [@other] for @key.", study) == r"It works \[\@other\] for \@key [@{smith2020}]."


def test_the_snapshot_notation_keeps_keys_order_and_repeats():
    text = f"a {cite_marker(['b', 'a'])} c {cite_marker(['b'])}"
    assert cited_keys(text) == ["b", "a", "b"]
    assert map_citations(text, lambda keys: "+".join(keys)) == "a b+a c b"


@pytest.mark.parametrize("numbers, runs", [
    ([1], [(1, 1)]),
    ([3, 1, 2, 5], [(1, 3), (5, 5)]),
    ([2, 2, 5], [(2, 2), (5, 5)]),
])
def test_compress_numbers(numbers, runs):
    assert compress_numbers(numbers) == runs


@pytest.mark.parametrize("numbers, text", [
    ([1], "1"),
    ([2, 5], "2,5"),
    ([1, 2], "1,2"),
    ([6, 3, 4, 5], "3-6"),
    ([1, 3, 4, 5, 9], "1,3-5,9"),
])
def test_format_numbers_as_the_changes_report_shows_them(numbers, text):
    assert format_numbers(numbers) == text
