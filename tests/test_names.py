"""Name formatting for the reference styles."""

import pytest
from livingreview.names import author_list, full_name, initials, name_family_first, name_initials_first
from livingreview.records import Name


@pytest.mark.parametrize("given, expected", [
    ("B.", "B."),
    ("Bjørn", "B."),
    ("Hans-Peter", "H.-P."),
    ("Robbie C. M.", "R. C. M."),
    ("John PA", "J. P. A."),
    ("Émile", "É."),
    ("", ""),
])
def test_initials(given, expected):
    assert initials(given) == expected


def test_initials_first_with_particle_suffix_and_body():
    assert name_initials_first(Name("Aert", "Robbie C. M.", "van")) == "R. C. M. van Aert"
    assert name_initials_first(Name("Doe", "John", suffix="Jr.")) == "J. Doe Jr."
    assert name_initials_first(Name("World Health Organization")) == "World Health Organization"


def test_full_name_keeps_particles_and_suffixes():
    assert full_name(Name("Aert", "Robbie C. M.", "van")) == "Robbie C. M. van Aert"
    assert full_name(Name("Doe", "John", suffix="Jr.")) == "John Doe Jr."


def test_family_first():
    assert name_family_first(Name("Müller", "Hans-Peter")) == "Müller H-P"


def test_unicode_names_are_kept():
    assert author_list([Name("Bjørnstad", "Lars"), Name("Müller", "Anna")]) == "L. Bjørnstad, A. Müller"


def test_more_than_six_authors_gives_six_and_et_al():
    names = [Name(f"Author{i}", "A") for i in range(1, 9)]
    assert author_list(names) == ", ".join(f"A. Author{i}" for i in range(1, 7)) + ", et al."


def test_six_authors_are_all_listed():
    names = [Name(f"Author{i}", "A") for i in range(1, 7)]
    assert author_list(names).count("Author") == 6 and "et al." not in author_list(names)
