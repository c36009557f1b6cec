"""The reference parser (livingreview.importers.references) on strings it was not developed on, its
completeness checks, and properties that must hold for every reference string of both vendored releases."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from livingreview.importers import metapsy
from livingreview.importers.references import (
    OTHERS,
    abbreviates,
    doi_stem,
    entry_problems,
    field_problems,
    parse_reference,
    repair_from_release,
)

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


# --- strings not used during development: a seeded sample of 24.0.2's new strings -----------------------

UNSEEN = json.loads((FIXTURES / "references-unseen.json").read_text(encoding="utf-8"))
NAMED_IN_REVIEW = {"Heim, 2021", "Dowrick, 2000", "Lund, 2020", "Reins, 2019"}


def test_the_unseen_sample_is_the_seeded_draw_from_strings_not_developed_on():
    development = set(json.loads((FIXTURES / "references-sample.json").read_text(encoding="utf-8")))
    new = set(strings(UNSEEN["release"])) - set(strings("22.0.2"))
    pool = sorted(new - development - NAMED_IN_REVIEW)
    assert sorted(random.Random(UNSEEN["seed"]).sample(pool, UNSEEN["size"])) == sorted(UNSEEN["expected"])


@pytest.mark.parametrize("label", sorted(UNSEEN["expected"]))
def test_unseen_references_parse_exactly_field_by_field(label):
    """Every field (and the author list) equal to what was written down by hand from the string; no field
    more, none fewer."""
    expected = UNSEEN["expected"][label]
    result = parse(strings(UNSEEN["release"])[label])
    found = dict(result.fields, authors=[list(person) for person in result.authors])
    for name in sorted(set(expected) | set(found)):
        assert found.get(name) == expected.get(name), name
    assert result.complete, result.problems


# --- properties of every reference string of both releases ----------------------------------------------

# Written independently of the parser's own checks.
ENDS_CUT_SHORT = re.compile(r"\s(of|and|the|&)$", re.IGNORECASE)
SOURCE_IN_TITLE = re.compile(r"\.\s[^.]+,\s*\d+(\s*\(\d+\))?,\s*[A-Za-z]?\d+(\s*[-–‐]\s*\d+)?$|\d{4}\s*;\s*\d+\s*[(:]")


@pytest.mark.parametrize("release", RELEASES)
def test_properties_of_every_parsed_reference(release):
    wrong, cut_short = [], set()
    for label, text in sorted(strings(release).items()):
        result = parse(text)
        journal, title = result.fields.get("journal", ""), result.fields.get("title", "")
        if ENDS_CUT_SHORT.search(journal):
            cut_short.add(label)
            if result.complete:
                wrong.append((label, "complete, but the journal is cut short", journal))
        if re.search(r"doi|retrieved|http", journal, re.IGNORECASE):
            wrong.append((label, "journal", journal))
        if result.entry_type == "article" and SOURCE_IN_TITLE.search(title):  # a @misc keeps what could be read
            wrong.append((label, "title with its source", title[-60:]))
        if result.entry_type == "misc" and result.complete:
            wrong.append((label, "a @misc entry counted complete", result.fields))
        if not re.fullmatch(r"\d{4}", result.fields.get("year", "")):
            wrong.append((label, "year", result.fields.get("year")))
        if result.complete and not [person for person in result.authors if person != OTHERS]:
            wrong.append((label, "complete without authors", result.authors))
        if result.complete and not (title and journal):
            wrong.append((label, "complete without a title or journal", result.fields))
    assert wrong == []
    assert cut_short == ({"Reins, 2019", "Lund, 2019"} if release == "22.0.2" else {"Reins, 2019", "Lund, 2020"})


@pytest.mark.parametrize("release, parsed, complete, total", [("22.0.2", 411, 413, 415), ("24.0.2", 475, 478, 480)])
def test_coverage_is_what_the_readme_says_and_the_report_names_the_rest(release, parsed, complete, total):
    """The completeness measure, before (each string parsed alone) and after the repairs from the rest of the
    release: at least 99 % complete structured @article entries after; the report names every other entry."""
    loaded = metapsy.read_release(SOURCES / release)
    files, bibliography = metapsy.import_files(loaded)
    assert bibliography.complete_as_parsed == parsed
    assert metapsy.coverage(bibliography.parsed) == (complete, total)
    assert complete / total >= 0.99
    report = files[metapsy.REPORT]
    assert f"{complete} of {total} references" in report and f"{parsed} as parsed from their string" in report
    for key, (_, result) in bibliography.parsed.items():
        if not result.complete:
            assert f"| {key} |" in report and "none (a warning at every build)" in report
    for repair in bibliography.repairs:
        assert f"| {repair.key} | {repair.field} |" in report
    readme = (ROOT / "docs" / "manual.md").read_text(encoding="utf-8")  # moved from the README
    share = f"{100 * complete / total:.1f}"
    assert re.search(rf"{re.escape(release)}'s {total}(?: references)?, {parsed} as parsed and {complete} "
                     rf"\({share} %\) after", " ".join(readme.split()))


def release_items(release: str) -> dict:
    """Each study key of a vendored release -> (its reference string, repaired, and its parse)."""
    items = {}
    for label, text in strings(release).items():
        repaired = metapsy.repair_reference(text)[0]
        items[metapsy.study_key(label)] = (repaired, parse_reference(repaired))
    return items


@pytest.mark.parametrize("release, key, journal", [("22.0.2", "reins2019", "Journal of Affective Disorders"),
                                                   ("22.0.2", "lund2019", "Behaviour Research and Therapy"),
                                                   ("24.0.2", "reins2019", "Journal of Affective Disorders"),
                                                   ("24.0.2", "lund2020", "Behaviour Research and Therapy")])
def test_a_journal_cut_short_is_completed_from_the_release_and_its_dois(release, key, journal):
    items = release_items(release)
    repairs = {r.key: r for r in repair_from_release(items)}
    result = items[key][1]
    assert result.complete, result.problems
    assert result.fields["journal"] == journal and repairs[key].before in ("Journal of", "Behaviour Research and")
    if key == "reins2019":  # "Journal of" begins many journals: the DOI's journal code (10.1016/j.jad) decides
        assert "10.1016/j.jad" in repairs[key].how and "J Affect Disord" in repairs[key].how


def test_a_string_without_full_stops_is_split_by_the_journals_of_the_release():
    items = release_items("24.0.2")
    assert not items["johansson2019b"][1].complete
    repair_from_release(items)
    result = items["johansson2019b"][1]
    assert result.complete, result.problems
    assert [family for family, _, _ in result.authors] == ["Johansson", "Westas", "Andersson", "Alehagen",
                                                           "Broström", "Jaarsma", "Mourad", "Lundgren"]
    assert result.fields == {"title": "An Internet-Based Cognitive Behavioral Therapy Program Adapted to Patients "
                                      "With Cardiovascular Disease and Depression: Randomized Controlled Trial",
                             "journal": "JMIR Ment Health", "year": "2019", "volume": "6", "number": "10",
                             "pages": "e14648"}


@pytest.mark.parametrize("short, full, expected", [("J Affect Disord", "Journal of Affective Disorders", True),
                                                   ("JMIR Ment Health", "JMIR Mental Health", True),
                                                   ("Ment Health", "JMIR Mental Health", False),
                                                   ("J Affect Disord", "Journal of Affective Science", False)])
def test_an_abbreviation_is_word_by_word(short, full, expected):
    assert abbreviates(short, full) is expected


def test_a_journal_the_release_cannot_settle_stays_incomplete():
    """Two journals of the release begin with "Journal of" and no DOI decides: nothing is guessed."""
    def article(journal, doi=""):
        fields = {"title": "T", "journal": journal, "year": "2020", **({"doi": doi} if doi else {})}
        result = parse_reference("")
        result.entry_type, result.authors, result.fields = "article", [("Doe", "J.", "")], fields
        result.problems = entry_problems("article", result.authors, fields)
        return ("", result)
    items = {"a": article("Journal of Affective Disorders"), "b": article("Journal of Psychiatric Research"),
             "c": article("Journal of")}
    assert repair_from_release(items) == [] and not items["c"][1].complete
    assert doi_stem("10.1016/j.jad.2018.12.065") == "10.1016/j.jad" and doi_stem("10.1002/da.23163") == "10.1002/da"


@pytest.mark.parametrize("path", ["examples/metapsy-depression/data/methods-references.bib",
                                  "workflow/livingreview/starters/meta-analysis/data/methods-references.bib"])
def test_every_work_the_methods_cite_has_its_doi(path):
    """The works the Methods cite (the author's data/methods-references.bib, which no release holds: the import
    does not write it) each give their DOI; Cuijpers et al. 2014 (Depression and Anxiety 31(5):374-378) had none."""
    from livingreview.bibtex import read_bibtex

    entries = read_bibtex((ROOT / path).read_text(encoding="utf-8")).references
    assert {key: entry.fields.get("doi") for key, entry in entries.items()} == {
        "egger1997bias": "10.1136/bmj.315.7109.629", "higgins2002quantifying": "10.1002/sim.1186",
        "furukawa2011obtain": "10.1371/journal.pone.0019070", "cuijpers2014threshold": "10.1002/da.22249",
        "paule1982consensus": "10.6028/jres.087.022", "viechtbauer2010metafor": "10.18637/jss.v036.i03",
        "riley2011interpretation": "10.1136/bmj.d549", "sterne2011recommendations": "10.1136/bmj.d4002",
        "higgins2011cochrane": "10.1136/bmj.d5928", "page2021prisma": "10.1136/bmj.n71",
        "guyatt2008grade": "10.1136/bmj.39489.470347.AD"}
