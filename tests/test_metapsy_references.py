"""The reference parser (livingreview.importers.references) on strings it was not developed on, its
completeness checks, and properties that must hold for every reference string of both vendored releases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from livingreview.importers import metapsy
from livingreview.importers.references import field_problems, parse_reference

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "metapsy"
SOURCES = ROOT / "examples" / "metapsy-depression" / "sources"
RELEASES = ("22.0.2", "24.0.2")


def strings(release: str) -> dict[str, str]:
    """The reference strings of a vendored release, by study label."""
    return json.loads((SOURCES / release / "metadata" / "references.json").read_text(encoding="utf-8"))


def parse(text: str):
    """*text* repaired as the importer repairs it, then parsed."""
    return parse_reference(metapsy.repair_reference(text)[0])


# --- the strings named in the review of issue 11 ------------------------------------------------------

def test_a_doi_written_as_doi_colon_url_leaves_nothing_behind():
    heim = parse(strings("24.0.2")["Heim, 2021"])
    assert heim.complete, heim.problems
    assert heim.fields["title"] == ("Step-by-step: Feasibility randomised controlled trial of a mobile-based "
                                    "intervention for depression among populations affected by adversity in Lebanon")
    assert (heim.fields["journal"], heim.fields["volume"], heim.fields["pages"], heim.fields["doi"]) == \
        ("Internet Interventions", "24", "100380", "10.1016/j.invent.2021.100380")


def test_retrieved_from_goes_with_its_url():
    dowrick = parse(strings("24.0.2")["Dowrick, 2000"])
    assert dowrick.complete, dowrick.problems
    assert dowrick.fields["title"].endswith("Outcomes of Depression International Network [ODIN] Group")
    assert (dowrick.fields["journal"], dowrick.fields["volume"], dowrick.fields["number"], dowrick.fields["pages"]) \
        == ("Bmj", "321", "7274", "1450-1454")


@pytest.mark.parametrize("release, label, journal", [("22.0.2", "Reins, 2019", "Journal of"),
                                                     ("22.0.2", "Lund, 2019", "Behaviour Research and"),
                                                     ("24.0.2", "Lund, 2020", "Behaviour Research and")])
def test_a_journal_cut_short_in_the_source_is_not_complete(release, label, journal):
    result = parse(strings(release)[label])
    assert result.entry_type == "article" and result.fields["journal"] == journal
    assert not result.complete
    assert any("cut short in the source" in problem for problem in result.problems), result.problems


@pytest.mark.parametrize("fields, problem", [
    ({"journal": "doi:"}, "doi"), ({"journal": "Retrieved from"}, "Retrieved"), ({"journal": "Health &"}, "ends in"),
    ({"journal": "Annals of the"}, "ends in"),
    ({"title": "A trial. Bmj, 321(7274), 1450-1454"}, "journal"),
    ({"title": "A trial. Internet Interventions, 24, 100380"}, "journal"),
    ({"title": "A trial. J Affect Disord. 2019;245:1-9"}, "journal"),
])
def test_fields_that_hold_what_belongs_elsewhere_are_problems(fields, problem):
    found = field_problems(fields)
    assert len(found) == 1 and problem in found[0], found


@pytest.mark.parametrize("fields", [
    {"journal": "Journal of Affective Disorders", "title": "Effects of CBT, IPT, and PST: a trial in 3 countries"},
    {"journal": "The Lancet", "title": "Depression in 2010, 2015 and 2020"},
    {"journal": "Psychology & Health", "title": "A doing-based therapy"},
])
def test_sound_fields_are_no_problem(fields):
    assert field_problems(fields) == []


def test_vancouver_initials_of_any_script():
    vazquez = parse(strings("24.0.2")["Vazquez, 2020"])
    assert vazquez.authors[:3] == [("Vázquez", "F. L.", ""), ("López", "L.", ""), ("Torres", "Á. J.", "")]
    assert parse("Øst LG, Ünal ÖÇ. A title. J Test. 2001;1:1-2.").authors == [("Øst", "L. G.", ""),
                                                                              ("Ünal", "Ö. Ç.", "")]
