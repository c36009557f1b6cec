"""Citation numbering by first appearance and its formatting."""

import pytest
from livingreview.citations import (
    cite_marker,
    cited_keys,
    compress_numbers,
    format_citation,
    number_citations,
    resolve_citations,
)


def test_numbering_follows_first_appearance_across_texts():
    texts = [f"a {cite_marker(['x'])} b {cite_marker(['y', 'x'])}", f"c {cite_marker(['z', 'y'])}"]
    assert number_citations(texts) == {"x": 1, "y": 2, "z": 3}


def test_cited_keys_keep_order_and_repeats():
    assert cited_keys(cite_marker(["b", "a"]) + cite_marker(["b"])) == ["b", "a", "b"]


@pytest.mark.parametrize("numbers, runs", [
    ([1], [(1, 1)]),
    ([3, 1, 2, 5], [(1, 3), (5, 5)]),
    ([2, 2, 5], [(2, 2), (5, 5)]),
])
def test_compress_numbers(numbers, runs):
    assert compress_numbers(numbers) == runs


@pytest.mark.parametrize("numbers, text", [
    ([1], r"\[1\]"),
    ([2, 5], r"\[2,5\]"),
    ([1, 2], r"\[1,2\]"),
    ([6, 3, 4, 5], r"\[3-6\]"),
    ([1, 3, 4, 5, 9], r"\[1,3-5,9\]"),
])
def test_format_citation_plain(numbers, text):
    assert format_citation(numbers, link=False) == text


def test_format_citation_links_each_number():
    assert format_citation([1, 2, 3]) == r"\[[1](#ref-1)-[3](#ref-3)\]"


def test_resolve_citations_replaces_every_marker():
    text = f"x {cite_marker(['a'])}. y {cite_marker(['b', 'a'])}."
    assert resolve_citations(text, {"a": 1, "b": 2}, link=False) == r"x \[1\]. y \[1,2\]."
