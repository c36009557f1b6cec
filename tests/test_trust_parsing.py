"""Issue 21, item 6: bounded parsing.

A YAML alias bomb, a YAML loop, too many aliases or a huge YAML file, a
BibTeX @string bomb, a crossref loop or an over-long crossref chain each fail
fast (well under a second) with one plain message naming the file and line.
"""

from __future__ import annotations

import time

import pytest
from livingreview import config as review_config
from livingreview.bibtex import MAX_CROSSREF_DEPTH, read_bibliography, read_bibtex
from livingreview.errors import ConfigError, DataError
from livingreview.files import MAX_YAML_ALIASES, MAX_YAML_BYTES, parse_yaml


def billion_laughs(levels: int = 9) -> str:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels):
        name, previous = chr(97 + level), chr(96 + level)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_a_yaml_alias_bomb_fails_fast_and_plainly():
    start = time.perf_counter()
    with pytest.raises(DataError) as caught:
        parse_yaml(billion_laughs(), "data/review.yaml", "review metadata")
    assert time.perf_counter() - start < 1
    error = caught.value
    assert error.file == "data/review.yaml" and error.where == "line 5" and error.line == 5
    assert "expands to more than 100,000 values through aliases" in error.problem
    assert "anchors (&name) and aliases (*name)" in error.fix


def test_a_yaml_bomb_in_the_config_is_a_config_error_before_snakemake_reads_it(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(billion_laughs(), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        review_config.read_file(tmp_path)
    assert caught.value.file.endswith("config/config.yaml") and "through aliases" in caught.value.problem


def test_a_yaml_alias_inside_the_node_it_names_is_a_loop():
    with pytest.raises(DataError) as caught:
        parse_yaml("title: x\nauthors: &people\n  - name: A\n  - *people\n", "data/review.yaml", "review metadata")
    assert caught.value.where == "line 2" and "has an alias inside the node it names (a loop)" in caught.value.problem


def test_too_many_yaml_aliases_are_refused():
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * (MAX_YAML_ALIASES + 1)) + "]\n"
    with pytest.raises(DataError) as caught:
        parse_yaml(text, "data/database.yaml", "database metadata")
    assert f"uses more than {MAX_YAML_ALIASES:,} aliases" in caught.value.problem


def test_a_huge_yaml_file_is_refused_before_it_is_parsed():
    with pytest.raises(DataError) as caught:
        parse_yaml("a: " + "x" * MAX_YAML_BYTES + "\n", "data/database.yaml", "database metadata")
    assert "more than the 1,000,000 a database metadata file may have" in caught.value.problem


def test_a_few_anchors_and_aliases_still_work():
    assert parse_yaml("base: &b {x: 1}\nother: *b\nday: 2024-01-31\n", "f.yaml", "k") == {
        "base": {"x": 1}, "other": {"x": 1}, "day": "2024-01-31"}


def string_bomb(levels: int = 24) -> str:
    macros = ['@string{m0 = "ha ha ha ha"}']
    macros += [f"@string{{m{i} = m{i - 1} # m{i - 1}}}" for i in range(1, levels)]
    return "\n".join(macros) + "\n@article{smith2020, author = {Smith, A.}, title = m23, journal = {J}, year = 2020}\n"


def test_a_bibtex_string_bomb_fails_fast_naming_the_macro_and_its_line(tmp_path):
    path = tmp_path / "references.bib"
    path.write_text(string_bomb(), encoding="utf-8")
    start = time.perf_counter()
    references, problems = read_bibliography(path, ["smith2020"])
    assert time.perf_counter() - start < 1
    error = problems[0]
    assert error.file == str(path) and error.where == "line 15, @string m14" and error.line == 15
    assert "the @string macro expands to 180,224 characters, more than the 100,000" in error.problem
    assert error.fix == "define the macro as the text it stands for"


def test_a_crossref_loop_is_refused_naming_every_entry_of_it():
    text = ("@inproceedings{talk, crossref = {procs}, author = {A, B}, title = {T}, year = 2020}\n"
            "@proceedings{procs, crossref = {series}, title = {P}, year = 2020}\n"
            "@proceedings{series, crossref = {talk}, title = {S}, year = 2020}\n")
    bib = read_bibtex(text)
    [error] = bib.problems
    assert error.where == "line 1, key talk, field crossref"
    assert "the crossref fields make a loop: talk -> procs -> series -> talk" in error.problem
    assert "talk" not in bib.references


def test_an_entry_naming_itself_as_crossref_is_a_loop():
    bib = read_bibtex("@article{self, crossref = {self}, author = {A, B}, title = {T}, journal = {J}, year = 1}\n")
    assert [p.problem.split(";")[0] for p in bib.problems] == ["the crossref fields make a loop: self -> self"]


def test_an_over_long_crossref_chain_is_refused():
    entries = [f"@misc{{e{i}, crossref = {{e{i + 1}}}, title = {{T{i}}}, year = 2020}}"
               for i in range(MAX_CROSSREF_DEPTH + 1)]
    entries.append(f"@misc{{e{MAX_CROSSREF_DEPTH + 1}, title = {{Top}}, year = 2020}}")
    bib = read_bibtex("\n".join(entries) + "\n")
    assert [p.where for p in bib.problems] == ["line 1, key e0, field crossref"]
    assert f"longer than {MAX_CROSSREF_DEPTH}" in bib.problems[0].problem


def test_a_one_level_crossref_still_inherits():
    bib = read_bibtex("@inproceedings{talk, crossref = {procs}, author = {A, B}, title = {T}}\n"
                      "@proceedings{procs, title = {Proceedings}, year = 2020, publisher = {P}}\n")
    assert bib.problems == [] and bib.references["talk"].fields["booktitle"] == "Proceedings"
