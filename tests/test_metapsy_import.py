"""The Metapsy importer's pure functions, on real strings and a small real release
(tests/fixtures/metapsy/, ODC-By 1.0), and the import of the vendored releases."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from livingreview.bibtex import read_bibtex
from livingreview.importers import metapsy
from livingreview.importers.references import OTHERS, expand_page_range, parse_reference

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "metapsy"
REVIEW = ROOT / "examples" / "metapsy-depression"
SAMPLE = json.loads((FIXTURES / "references-sample.json").read_text(encoding="utf-8"))


def parsed(label: str):
    """The sample string of *label*, repaired as the importer repairs it, then parsed."""
    return parse_reference(metapsy.repair_reference(SAMPLE[label])[0])


# The development set: the strings the parser was developed on (tests/fixtures/metapsy/references-sample.json),
# each expected value read off the source string by hand. Strings it was not developed on are checked in
# test_metapsy_references.py (a seeded sample of release 24.0.2's new strings, and properties of every string).
DEVELOPMENT_SET = [
    pytest.param("Aagaard, 2017", {"title": "The efficacy of psychoeducation on recurrent depression: a randomized trial "
                                            "with a 2-year follow-up", "journal": "Nord J Psychiatry", "year": "2017",
                                   "volume": "71", "number": "3", "pages": "223-229"},
                 [("Aagaard", "J.", ""), ("Foldager", "L.", ""), ("Makki", "A.", ""), ("Hansen", "V.", ""),
                  ("Müller-Nielsen", "K.", "")], id="apa-mojibake-author"),
    pytest.param("Abas, 2018", {"journal": "AIDS and Behavior", "year": "2018", "volume": "22", "number": "1",
                                "pages": "86-101"},
                 [("Abas", "M.", ""), ("Nyamayaro", "P.", ""), ("Bere", "T.", ""), OTHERS], id="vancouver-spaced"),
    pytest.param("Abbas, 2023a", {"journal": "BMC Psychiatry", "year": "2023", "volume": "23",
                                  "doi": "10.1186/s12888-023-04546-w"}, None, id="apa-volume-only-doi"),
    pytest.param("Alhusen, 2021", {"journal": "Arch Womens Ment Health", "year": "2021", "volume": "24", "number": "1",
                                   "pages": "145-154", "doi": "10.1007/s00737-020-01032-0"},
                 [("Alhusen", "J. L.", ""), ("Hayat", "M. J.", ""), ("Borg", "L.", "")], id="apa-date-doi-url"),
    pytest.param("Arjadi, 2018", {"journal": "The lancet psychiatry", "volume": "5", "number": "9",
                                  "pages": "707-716"}, None, id="vancouver-u2010-abbreviated-pages"),
    pytest.param("Chiang, 2015", {"journal": "Scientific World Journal", "volume": "2015",
                                  "pages": "Article ID 373149"}, None, id="article-id"),
    pytest.param("Ebert, 2014", {"journal": "Scandinavian journal of work, environment & health", "pages": "582-596"},
                 None, id="journal-with-comma-no-volume"),
    pytest.param("Elkin, 1989", {"title": "National institute of mental health treatment of depression collaborative "
                                          "research program. General effectiveness of treatments",
                                 "journal": "Archives of General Psychiatry", "volume": "46", "number": "11",
                                 "pages": "971-982"}, None, id="title-with-period-discussion"),
    pytest.param("Ewais, 2021", {"title": "Mindfulness based cognitive therapy for youth with inflammatory bowel disease "
                                          "and depression - Findings from a pilot randomised controlled trial",
                                 "journal": "J Psychosom Res", "volume": "149", "pages": "110594"},
                 [("Ewais", "T.", ""), OTHERS], id="endnote-quoted"),
    pytest.param("Hautzinger, 2004", {"journal": "Zeitschrift für Gerontologie und Geriatrie", "volume": "37",
                                      "number": "6", "pages": "427-435"}, None, id="translated-title"),
    pytest.param("Mossey, 1996", {"pages": "M172-M178", "volume": "51", "number": "4"}, None, id="lettered-pages"),
    pytest.param("Pibernik-Okanovic, 2015", {"title": "Does treatment of subsyndromal depression improve depression-"
                                                      "related and diabetes-related outcomes? A randomised controlled "
                                                      "comparison of psychoeducation, physical exercise and enhanced "
                                                      "treatment as usual", "journal": "Trials", "year": "2015",
                                             "volume": "16", "pages": "305"}, None, id="question-title-dated"),
    pytest.param("Lee, 2021", {"title": "Community-Based Multi-Site Randomized Controlled Trial of Behavioral "
                                        "Activation for Patients with Depressive Disorders",
                               "journal": "Community mental health journal", "doi": "10.1007/s10597-021-00828-3"},
                 None, id="annotation-in-press"),
    pytest.param("Baumgartner, 2021", {"journal": "Drug Alcohol Depend", "volume": "225", "pages": "108806"}, None,
                 id="title-opening-with-quote"),
    pytest.param("Au, 2022", {"journal": "Hong Kong Med J", "volume": "28 Suppl 3", "number": "3", "pages": "21-23"},
                 [("Au", "A.", ""), ("Nan", "H.", ""), ("Sum", "R.", ""), ("Ng", "F.", ""), ("Kwong", "A.", ""),
                  ("Wong", "S.", "")], id="two-letter-family-names"),
    pytest.param("Sadler, 2018", {"journal": "Sleep", "volume": "41", "number": "8", "doi": "10.1093/sleep/zsy106"},
                 None, id="no-pagination"),
    pytest.param("Kramer, 2014", {"journal": "J Med Internet Res", "volume": "16", "number": "5", "pages": "e141",
                                  "doi": "10.2196/jmir.3261"}, None, id="no-break-spaces"),
    pytest.param("Zu, 2014", {"journal": "Journal of Affective Disorders", "volume": "152-154", "pages": "262-267"},
                 None, id="volume-range"),
    pytest.param("Yuan, 2020", {"journal": "Behavioural and cognitive psychotherapy", "pages": "1-5"}, None,
                 id="ahead-of-print-pages"),
    pytest.param("Bengtson, 2023", {"journal": "AIDS and behavior", "year": "2023"}, None, id="year-only"),
    pytest.param("Lamers, 2015", {"journal": "The Journals of Gerontology: Series B: Psychological Sciences and Social "
                                             "Sciences", "volume": "70B", "number": "1", "pages": "24-34"}, None,
                 id="journal-with-colons"),
]


@pytest.mark.parametrize("label, fields, authors", DEVELOPMENT_SET)
def test_development_set_references_parse_field_by_field(label, fields, authors):
    result = parsed(label)
    assert result.complete, result.problems
    for name, value in fields.items():
        assert result.fields.get(name) == value, name
    if authors is not None:
        assert result.authors == authors


@pytest.mark.parametrize("label, given", [("Barrett, 2001", ("Williams", "J. W.", "Jr")),
                                          ("Castonguay, 2004", ("Laurenceau", "J.-P.", "")),
                                          ("Freedland, 2009", ("Dávila-Román", "V. G.", ""))])
def test_vancouver_names_with_suffixes_hyphens_and_repaired_accents(label, given):
    assert given in parsed(label).authors


def test_apa_ellipsis_ends_the_list_with_others():
    steel = parsed("Steel, 2020")
    assert steel.authors[-1] == OTHERS and ("van der Gaag", "M.", "") not in steel.authors
    assert steel.fields["volume"] == "135" and steel.fields["pages"] == "103734"


@pytest.mark.parametrize("label, problem", [("Tobin, 2017", "no journal"), ("Ahmadpanah, 2016", "no journal"),
                                            ("Johansson, 2019b", "neither an APA nor a Vancouver reference")])
def test_strings_without_a_journal_are_misc_entries_that_say_why(label, problem):
    result = parsed(label)
    assert result.entry_type == "misc" and not result.complete
    assert problem in result.problems
    assert result.fields["title"] and result.fields["year"]


@pytest.mark.parametrize("pages, expanded", [("707‐16", "707-716"), ("1003-10", "1003-1010"), ("E13-E22", "E13-E22"),
                                             ("e35330", "e35330"), ("P159-66", "P159-P166"), ("111‐9", "111-119")])
def test_page_ranges_are_written_out(pages, expanded):
    assert expand_page_range(pages) == expanded


@pytest.mark.parametrize("text, repaired", [
    ("Hansen, V., & M¸ller-Nielsen, K. (2017). The efficacy.", "Hansen, V., & Müller-Nielsen, K. (2017). The efficacy."),
    ("Lustman PJ, D·vila-Rom·n VG, et al. Treatment. J. 2009;1:2.", "Lustman PJ, Dávila-Román VG, et al. Treatment. J. "
     "2009;1:2."),
    ("Kohnen R, Sch¸tze M, Scheunemann W, et al. A trial. J. 2010;1:2.", "Kohnen R, Schütze M, Scheunemann W, et al. "
     "A trial. J. 2010;1:2."),
    ("Russell, A. (2019). Trial (ADEPT) â€“ a pilot.", "Russell, A. (2019). Trial (ADEPT) – a pilot."),
])
def test_mojibake_is_repaired_and_the_repair_says_how(text, repaired):
    fixed, how = metapsy.repair_reference(text)
    assert fixed == repaired and how


@pytest.mark.parametrize("text", ["“WIDeCAD” - An internet-based", "caregivers’ distress", "HDRS ≤ 9", "Sleep · 2018",
                                  "Col·legi Oficial de Psicòlegs", "Paral·lel", "Fran¸ois", "M¸ller"])
def test_text_that_is_not_a_reference_s_author_list_is_left_alone(text):
    """Outside an author list, a middle dot or cedilla in a word cannot be told from correct text (Catalan
    "l·l"), or from damage that re-reading would make worse ("Fran¸ois" -> "Franüois")."""
    assert metapsy.repair_text(text) == (text, "")


@pytest.mark.parametrize("text", [
    "Col·legi Oficial de Psicòlegs de Catalunya. (2019). Guia. Barcelona, 1, 1-2.",
    "Paral·lel, J. (2019). A trial. J Test, 1, 1-2.",
    "Smith, J. (2019). Fran¸ois and the Paral·lel trial. J Test, 1, 1-2.",
])
def test_a_catalan_middle_dot_and_titles_are_not_re_read(text):
    assert metapsy.repair_reference(text) == (text, "")


def test_a_catalan_middle_dot_does_not_look_damaged():
    assert not metapsy.suspicious("Col·legi Paral·lel") and metapsy.suspicious("D·vila")


@pytest.mark.parametrize("label, key", [("Abbas, 2023a", "abbas2023a"), ("De Jong, 2018", "dejong2018"),
                                        ("Burmaoğlu, 2021", "burmaoglu2021"), ("O'Neil, 2014", "oneil2014"),
                                        ("Lloyd-Williams, 2018", "lloydwilliams2018"), ("Lök, 2019", "lok2019")])
def test_study_keys_are_stable_and_readable(label, key):
    assert metapsy.study_key(label) == key


def test_bibtex_values_read_back_as_written():
    text = metapsy.bibtex_entry("x2020", "article", [("van der Gaag", "M.", ""), OTHERS],
                                {"title": "A {braced} title with ~ and $ and \\ in it", "journal": "J & Co",
                                 "year": "2020", "pages": "1-9"})
    bib = read_bibtex(text)
    ref = bib.references["x2020"]
    assert not bib.problems
    assert ref.fields["title"] == "A {braced} title with ~ and $ and \\ in it"
    assert ref.fields["journal"] == "J & Co" and ref.fields["pages"] == "1--9"
    assert [a.family for a in ref.authors] == ["van der Gaag", "others"]


# --- a small real release -----------------------------------------------------------------

@pytest.fixture(scope="module")
def release():
    return metapsy.read_release(FIXTURES / "release")


def test_release_is_read_with_its_quirks(release):
    assert len(release.frame) == 21 and release.columns == 80
    assert "Unnamed: 0" not in release.frame.columns
    assert release.frame[".g"].dtype.kind == "f"  # "," as the decimal mark
    assert release.metadata["last_search"] == "2022-01-01"
    assert release.metadata["search_flow"]["records.screened"] == 21563


def test_every_repair_is_recorded_with_its_place(release):
    places = {r.where for r in release.repairs}
    assert "references.json, Aagaard, 2017" in places and "references.json, Russell, 2019" in places
    assert all(r.before != r.after and r.how for r in release.repairs)
    assert "Müller-Nielsen" in release.references["Aagaard, 2017"]


def test_tables_one_row_per_study_and_per_comparison(release):
    tables = metapsy.make_tables(release.frame)
    assert [s["key"] for s in tables.studies] == sorted(s["key"] for s in tables.studies)
    assert len(tables.studies) == 9 and len(tables.comparisons) == 21
    aagaard = next(s for s in tables.studies if s["key"] == "aagaard2017")
    assert (aagaard["year"], aagaard["country"], aagaard["target_group"], aagaard["n_analysed"]) == \
        ("2017", "eu", "adul", "75")
    comparison = next(c for c in tables.comparisons if c["key"] == "aagaard2017")
    assert (comparison["psychotherapy"], comparison["control"], comparison["g"], comparison["g_se"]) == \
        ("cbt", "cau", "0", "0.231455024943138")
    assert ("target_group", "4 & 5", "oth", "Zhao, 2019") in tables.drift
    assert any(label == "Bowman, 1995" and column == "rob" for label, column, _, _ in tables.conflicts)


def test_import_writes_the_same_bytes_again_and_keeps_the_authors_files(tmp_path, release):
    review = tmp_path / "review"
    files, _ = metapsy.import_files(release)
    first = metapsy.write_import(review, files, "test")
    assert set(first) == {*metapsy.OWNED_FILES, *metapsy.AUTHOR_FILES, metapsy.RECORD}
    for name, header in metapsy.AUTHOR_FILES.items():
        assert (review / name).read_text(encoding="utf-8") == header
    (review / metapsy.DECISIONS).write_text("key,status,reason\nabas2018,excluded,not adults\n", encoding="utf-8")
    again, _ = metapsy.import_files(metapsy.read_release(FIXTURES / "release"))
    assert metapsy.write_import(review, again, "test") == []
    assert "abas2018,excluded" in (review / metapsy.DECISIONS).read_text(encoding="utf-8")


def test_import_refuses_to_overwrite_an_imported_file_edited_by_hand(tmp_path, release):
    review = tmp_path / "review"
    files, _ = metapsy.import_files(release)
    metapsy.write_import(review, files, "test")
    studies = review / metapsy.STUDIES
    studies.write_text(studies.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    with pytest.raises(metapsy.DataError, match="edited by hand"):
        metapsy.write_import(review, files, "test")
    assert studies.read_text(encoding="utf-8").endswith("edited by hand\n")
    metapsy.write_import(review, files, "test", force=True)
    assert studies.read_text(encoding="utf-8") == files[metapsy.STUDIES]


# --- the vendored releases -----------------------------------------------------------------

@pytest.mark.parametrize("name, rows, studies", [("22.0.2", 826, 415), ("24.0.2", 900, 480)])
def test_both_vendored_releases_import_with_95_percent_complete_references(tmp_path, name, rows, studies):
    loaded = metapsy.read_release(REVIEW / "sources" / name)
    files, bibliography = metapsy.import_files(loaded)
    complete, total = metapsy.coverage(bibliography.parsed)
    assert (len(loaded.frame), total) == (rows, studies)
    assert complete / total >= 0.95
    bib = read_bibtex(files[metapsy.BIBLIOGRAPHY])
    assert not bib.problems and len(bib.references) == studies + 1
    assert f"{complete} of {total} references" in files[metapsy.REPORT]


def test_the_committed_import_is_what_the_importer_writes(tmp_path):
    review = tmp_path / "metapsy"
    for name in (*metapsy.OWNED_FILES, metapsy.RECORD, *metapsy.AUTHOR_FILES):
        (review / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REVIEW / name, review / name)
    record = json.loads((review / metapsy.RECORD).read_text(encoding="utf-8"))
    files, _ = metapsy.import_files(metapsy.read_release(REVIEW / "sources" / record["release"]),
                                    metapsy.read_corrections(review))
    assert metapsy.write_import(review, files, record["release"]) == []


def _words(text: str) -> str:
    return re.sub(r"\W+", " ", metapsy.repair_reference(text)[0]).casefold()


def test_imported_entries_agree_with_their_source_strings():
    """A coarse check of the committed bibliography: in every 7th entry, each field's words occur in its string
    (exact values: test_metapsy_references.py)."""
    bib = read_bibtex((REVIEW / "references.bib").read_text(encoding="utf-8"))
    record = json.loads((REVIEW / metapsy.RECORD).read_text(encoding="utf-8"))
    sources = json.loads((REVIEW / "sources" / record["release"] / "metadata" / "references.json")
                         .read_text(encoding="utf-8"))
    labels = {metapsy.study_key(label): label for label in sources}
    checked = 0
    for key in sorted(labels)[::7]:
        ref, source = bib.references[key], _words(sources[labels[key]])
        for name in ("title", "journal", "volume", "number", "year"):
            if name in ref.fields:
                assert _words(ref.fields[name]).strip() in source, (key, name)
        if "pages" in ref.fields:
            assert _words(ref.fields["pages"].split("--")[0]).strip() in source, key
        assert _words(ref.authors[0].family).strip() in source, key
        checked += 1
    assert checked >= 55


@pytest.mark.parametrize("person", [("O}Brien", "J.", ""), ("Back\\slash", "A. B.", ""), ("van {der} Gaag", "M.", ""),
                                    ("Smith", "J. {R}.", "Jr"), ("Tilde~Dollar$", "Ö.", "")])
def test_author_names_read_back_as_written(person):
    text = metapsy.bibtex_entry("x2020", "article", [person, ("Doe", "J.", ""), OTHERS],
                                {"title": "T", "journal": "J", "year": "2020"})
    bib = read_bibtex(text)
    assert not bib.problems
    authors = bib.references["x2020"].authors
    assert [(a.family, a.given) for a in authors[:2]] == [person[:2], ("Doe", "J.")]
    assert authors[0].suffix == person[2] and authors[-1].family == "others"


def test_differing_age_and_share_of_women_keep_the_lowest_whatever_the_order_of_the_rows(release):
    """A study whose rows give other ages or shares of women (Choi, 2020b: each comparison its own arms) keeps
    the lowest, listed from the lowest: a release that only reorders the rows (24.0.2 did, for Choi, 2020b,
    Vazquez, 2020 and Moon, 2021) writes the same study row and the same report."""
    frame = release.frame.copy()
    bowman = frame.index[frame["study"] == "Bowman, 1995"]
    frame.loc[bowman, "mean_age"] = [70.25, 9.5, 70.25, 9.5]
    frame.loc[bowman, "percent_women"] = [0.61, 0.6, 0.6, 0.61]
    tables = metapsy.make_tables(frame)
    reordered = metapsy.make_tables(frame.iloc[::-1].reset_index(drop=True))
    row = next(s for s in tables.studies if s["key"] == "bowman1995")
    assert (row["mean_age"], row["percent_women"]) == ("9.5", "0.6")
    assert tables.studies == reordered.studies
    assert sorted(tables.conflicts) == sorted(reordered.conflicts)
    assert ("Bowman, 1995", "mean_age", "9.5 / 70.25", "9.5") in tables.conflicts
    assert ("Bowman, 1995", "percent_women", "0.6 / 0.61", "0.6") in tables.conflicts
    assert ("Bowman, 1995", "rob", "0 / 1", "0") in tables.conflicts
    report = metapsy.report_text(release, tables, metapsy.make_bibliography(release, tables.studies))
    assert "the lowest of its rows' values (for risk of bias, the most cautious rating), whatever the order" in report
    assert "| Bowman, 1995 | mean_age | 9.5 / 70.25 | 9.5 |" in report


def test_made_up_comparison_ids_are_written_as_the_release_writes_its_own():
    """Release 24.0.2's own ids join the fields without spaces ("..._bat_otherctr_NA_NA"); 383 of its rows with
    an id are made again exactly (the others differ in weeks or a label's letter, which the release changed
    after making them), and the id made for a row without one has no space either."""
    release_24 = metapsy.read_release(REVIEW / "sources" / "24.0.2")
    rows = [row for row in release_24.frame.to_dict("records") if metapsy._present(row.get(".id"))]
    assert sum(metapsy.comparison_id(row) == row[".id"] for row in rows) == 383
    scogin = next(row for row in metapsy.read_release(REVIEW / "sources" / "22.0.2").frame.to_dict("records")
                  if not metapsy._present(row.get(".id")))
    assert metapsy.comparison_id(scogin) == "Scogin_2018_msd_hscl-d_post_0_clinician_cbt_otherctr_NA_NA"


def test_reference_strings_in_the_report_are_text_not_markdown(release):
    import copy

    changed = copy.copy(release)
    changed.references = dict(release.references)
    changed.references["Ahmadpanah, 2016"] = release.references["Ahmadpanah, 2016"].replace(
        "Effects", "Effects *bold* _it_ <b>x</b> [link] |")
    files, _ = metapsy.import_files(changed)
    row = next(line for line in files[metapsy.REPORT].splitlines() if line.startswith("| ahmadpanah2016 |"))
    assert r"Effects \*bold\* \_it\_ \<b\>x\</b\> \[link\] \|" in row


def test_the_database_entry_s_year_is_its_last_search_s_and_the_report_says_so(release):
    files, _ = metapsy.import_files(release)
    entry = read_bibtex(files[metapsy.BIBLIOGRAPHY]).references[metapsy.DATABASE_KEY]
    assert entry.fields["year"] == "2022"
    assert ("the year of the release's last search (2022-01-01): the release's metadata give no date of "
            "publication") in " ".join(files[metapsy.REPORT].split())


def test_only_the_vendored_release_files_are_kept_from_line_end_conversion_and_diffs():
    import subprocess

    if shutil.which("git") is None or subprocess.run(["git", "rev-parse"], cwd=ROOT, capture_output=True).returncode:
        pytest.skip("not a git checkout")
    sources = "examples/metapsy-depression/sources"
    paths = [f"{sources}/22.0.2/data.csv", f"{sources}/24.0.2/metadata/references.json", f"{sources}/README.md"]
    result = subprocess.run(["git", "check-attr", "text", "diff", "--", *paths], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    attributes = dict(((path, name), value) for path, name, value in
                      (line.split(": ") for line in result.stdout.splitlines()))
    assert attributes[(paths[0], "diff")] == attributes[(paths[1], "text")] == "unset"
    assert attributes[(paths[2], "diff")] == attributes[(paths[2], "text")] == "unspecified"


def test_the_sources_searched_are_read_from_the_headings_of_the_search_strings(tmp_path):
    """metadata/search_string.txt heads each source's search string with its name in bold: the import keeps
    the names, in order, for data/database.yaml (the Methods and PRISMA item 6 name them)."""
    text = ('**PubMed**\n---\nPsychotherapy [MH] OR "**not a heading**" OR cbt\n\n**Embase**\n---\n"x"/exp\n'
            "**PsycINFO** \n---\ny\n**PubMed**\n")
    assert metapsy.search_sources(text) == ["PubMed", "Embase", "PsycINFO"]
    assert metapsy.search_sources("") == []
    (tmp_path / "search_string.txt").write_text(text, encoding="utf-8")
    assert metapsy.read_metadata(tmp_path)["search_sources"] == ["PubMed", "Embase", "PsycINFO"]


def test_the_report_counts_the_rows_of_data_csv_as_effect_sizes_not_comparisons(release):
    """A row of data.csv (and of data/comparisons.csv) is one effect size, one comparison's g on one instrument
    at one time point; the article counts comparisons of arms apart. The import report and the column's schema
    say effect sizes, and the column `comparisons` of data/studies.csv counts a study's rows."""
    from livingreview.schemas import column_titles, load_schema

    files, _ = metapsy.import_files(release)
    report = " ".join(files[metapsy.REPORT].split())
    assert "- `data.csv`: 21 rows (effect sizes) and 80 columns" in report
    assert ("effect sizes (the rows of `data/comparisons.csv`; each study's number is its column `comparisons` "
            "of `data/studies.csv`): 21.") in report
    assert "comparisons: 21" not in report and "rows (comparisons)" not in report
    tables = metapsy.make_tables(release.frame)
    rows = {s["key"]: sum(c["key"] == s["key"] for c in tables.comparisons) for s in tables.studies}
    assert {s["key"]: int(s["comparisons"]) for s in tables.studies} == rows
    assert column_titles("meta_studies") == {"comparisons": "effect sizes"}
    assert "effect sizes" in load_schema("meta_studies")["properties"]["comparisons"]["description"]
