"""Long citation groups in the PDF: break opportunities between their numbers only, never elsewhere."""

from __future__ import annotations

from livingreview.stages.formats import breakable_citations

ZWSP = "\u200b"


def group(numbers: list[int]) -> str:
    """A citation group as pandoc writes it in Typst: "\\[#link(<ref-2>)[2],#link(<ref-5>)[5]\\]"."""
    return r"\[" + ",".join(f"#link(<ref-{n}>)[{n}]" for n in numbers) + r"\]"


def test_a_long_group_may_break_after_each_of_its_commas():
    numbers = list(range(2, 40, 2))
    typst = f"Trials {group(numbers)}.\n"
    assert breakable_citations(typst) == f"Trials {group(numbers).replace('],#link', '],' + ZWSP + '#link')}.\n"


def test_ranges_in_a_long_group_keep_their_hyphen():
    typst = r"\[" + ",".join(f"#link(<ref-{n}>)[{n}]" for n in range(2, 30, 2)) + r",#link(<ref-40>)[40]-#link(<ref-60>)[60]\]"
    assert "[40]-#link(<ref-60>)" in breakable_citations(typst)
    assert breakable_citations(typst).count(ZWSP) == 14


def test_numbers_prose_and_short_groups_are_left_as_they_are():
    typst = (f"The searches found 30,889 records and 47,241 participants, in 12 trials {group([1, 2])} "
             f"and more {group(list(range(3, 14)))}.\n")
    assert breakable_citations(typst) == typst
