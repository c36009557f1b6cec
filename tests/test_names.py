"""Names: in reading order for the documents' metadata, and as the built-in CSL styles print them."""

from pathlib import Path

import pytest
from livingreview.bibtex import read_bibtex
from livingreview.commands.check_bib import format_entries, style_file
from livingreview.csl import given_names
from livingreview.names import full_name
from livingreview.records import Name

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
AUTHORS = "van Aert, Robbie C. M. and Doe, Jr., John and {World Health Organization} and Müller, Hans-Peter"


def test_full_name_keeps_particles_and_suffixes():
    assert full_name(Name("Aert", "Robbie C. M.", "van")) == "Robbie C. M. van Aert"
    assert full_name(Name("Doe", "John", suffix="Jr.")) == "John Doe Jr."


@pytest.mark.parametrize("given, expected", [
    ("John PA", "John P. A."),
    ("Robbie C. M.", "Robbie C. M."),
    ("PA", "PA"),  # a given name of its own, not initials after one
    ("Hans-Peter", "Hans-Peter"),
])
def test_run_together_initials_reach_citeproc_apart(given, expected):
    assert given_names(given) == expected


@pytest.mark.parametrize("style, authors", [
    ("seed", "R. C. M. van Aert, J. Doe Jr., World Health Organization, H.-P. Müller."),
    ("vancouver", "van Aert RCM, Doe J Jr., World Health Organization, Müller HP."),
    ("apa", "van Aert, R. C. M., Doe, J., Jr., World Health Organization, & Müller, H.-P. (2020)."),
])
def test_particles_suffixes_bodies_and_hyphens_in_each_style(style, authors):
    refs = read_bibtex(f"@article{{k, author={{{AUTHORS}}}, title={{T}}, journal={{J}}, year={{2020}}}}").references
    text = format_entries(refs, style, style_file(style, [TEMPLATES]), [TEMPLATES], "r.bib")[0]["k"]
    assert text.startswith(authors)
