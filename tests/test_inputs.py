"""Unit tests of the pure functions that read hand-edited files and explain what is wrong."""

from __future__ import annotations

import pytest
from livingreview.config import check_config
from livingreview.errors import ConfigError, DataError, ErrorList, LivingReviewError, closest, combined, did_you_mean
from livingreview.evidence import missing_column_error
from livingreview.inputs import (
    check_inputs_exist,
    decode_text,
    missing_inputs,
    parse_yaml,
    read_csv_rows,
    yaml_line,
)
from livingreview.schemas import explain_error, load_schema, schema_errors


def raises(call, *args) -> str:
    with pytest.raises(LivingReviewError) as caught:
        call(*args)
    return str(caught.value)


@pytest.mark.parametrize("raw, text", [
    (b"a,b\n1,2\n", "a,b\n1,2\n"),
    (b"\xef\xbb\xbfa,b\r\n1,2\r\n", "a,b\n1,2\n"),  # byte-order mark and CRLF
    (b"a\rb\r", "a\nb\n"),  # old Mac line ends
    ("Müller ✓ 中文\n".encode(), "Müller ✓ 中文\n"),
])
def test_decode_text_accepts_utf8_with_bom_and_any_line_ends(raw, text):
    assert decode_text(raw, "f.csv", "table") == text


@pytest.mark.parametrize("raw, expected", [
    (b"", "f.csv: the table file is empty"),
    (b" \n\n", "f.csv: the table file is empty"),
    (b"a,b\nM\xfcller,1\n", "f.csv, line 2, column 2: the table file is not valid UTF-8 (byte 0xfc); it looks like "
                            "Windows-1252 or Latin-1"),
    (b"\xff\xfea\x00", "f.csv, line 1: the table file is saved as UTF-16, not UTF-8"),
])
def test_decode_text_explains_what_is_wrong(raw, expected):
    assert raises(decode_text, raw, "f.csv", "table").startswith(expected)


@pytest.mark.parametrize("text, expected", [
    ('a,b\n1,"x\n2,3\n', "row 1 (line 2): a double quote opens a cell that is never closed"),
    ("a,b\n1,2\n3,4,5\n", "row 2 (line 3): the row has 3 cells but the header has 2"),
    ("a,b\n1\n", "row 1 (line 2): the row has 1 cell but the header has 2"),
    ('a,b\n"multi\nline",2\n3\n', "row 2 (line 4): the row has 1 cell"),
    ("a;b\n1;2\n", "line 1 (header): the table uses ';' to separate columns"),
    ("a,a\n1,2\n", 'line 1 (header), column a: the column "a" appears twice'),
    ("a,,b\n1,2,3\n", "line 1 (header), column 2: a column has no name"),
])
def test_read_csv_rows_explains_a_malformed_table(text, expected):
    assert expected in raises(read_csv_rows, text, "f.csv", "table")


def test_read_csv_rows_reads_quotes_blank_lines_and_commas_in_quotes_as_text():
    assert read_csv_rows(' a ,b\n1,"He said ""hi"""\n\n"x, y", 2\n', "f.csv", "table") == (
        ["a", "b"], [(2, ["1", 'He said "hi"']), (4, ["x, y", " 2"])])


def test_read_csv_rows_gives_the_line_each_row_starts_on():
    assert read_csv_rows('a,b\n"1\n2",3\n4,5\n', "f.csv", "table")[1] == [(2, ["1\n2", "3"]), (4, ["4", "5"])]


def test_parse_yaml_names_the_line_and_keeps_dates_as_text():
    assert parse_yaml("published: 2025-12-32\nok: 2025-01-02\n", "r.yaml", "metadata") == {
        "published": "2025-12-32", "ok": "2025-01-02"}
    message = raises(parse_yaml, 'a: 1\nb: "open\nc: 2\n', "r.yaml", "metadata")
    assert message.startswith("r.yaml, line 4, column 1: YAML syntax error in the metadata")


def test_yaml_line_finds_nested_keys_and_list_items():
    text = "a: 1\nb:\n  c: 2\nlist:\n  - x: 1\n  - x: 2\n"
    assert yaml_line(text, ["a"]) == 1
    assert yaml_line(text, ["b", "c"]) == 3
    assert yaml_line(text, ["list", 1, "x"]) == 6
    assert yaml_line(text, ["b", "missing"]) == 2  # the deepest key that exists
    assert yaml_line("a: [", ["a"]) is None


def test_missing_inputs_and_the_closest_file(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "studies.csv").write_text("x")
    (tmp_path / "data" / "themes.csv").write_text("x")
    assert missing_inputs(["data/studies.csv", "data/studie.csv", "data/studie.csv"], tmp_path) == ["data/studie.csv"]
    message = raises(check_inputs_exist, ["data/themes.csv", "data/studie.csv"], tmp_path)
    assert message.startswith('data/studie.csv: the file does not exist, but the build needs it. Did you mean '
                              '"studies.csv"?')
    # a file the build needs anyway is no suggestion for another missing one
    message = raises(check_inputs_exist, ["data/studies.csv", "data/studies2.csv"], tmp_path)
    assert "Did you mean" not in message
    check_inputs_exist(["data/studies.csv"], tmp_path)


def test_did_you_mean_and_closest():
    assert closest("inclded", ["included", "excluded"]) == "included"
    assert closest("zzz", ["included"]) is None
    assert did_you_mean("vancover", ["seed", "vancouver"]) == ' Did you mean "vancouver"?'
    assert did_you_mean("zzz", ["seed"]) == ""


def test_combined_errors_list_each_and_count_the_rest():
    errors = [DataError("f.csv", f"row {n}", "bad", "fix it") for n in range(1, 14)]
    one = combined(errors[:1], "more")
    assert one is errors[0]
    many = combined(errors, "see the full list", limit=10)
    assert isinstance(many, ErrorList)
    text = str(many)
    assert text.count("\nerror: ") == 10  # ten listed and one line counting the rest, after the first
    assert "f.csv, row 10: bad" in text and "row 11" not in text
    assert text.endswith("f.csv: 3 more problems are not shown\n  fix: see the full list")
    other = DataError("g.bib", "line 2", "bad")
    assert str(combined([*errors[:10], other], "more")).endswith("g.bib: 1 more problem is not shown\n  fix: more")


def test_missing_column_error_suggests_renaming_a_misspelt_column():
    properties = load_schema("studies")["properties"]
    error = missing_column_error("s.csv", "theme", ["key", "thme", "status"], properties)
    assert str(error).startswith('s.csv, line 1 (header), column thme: the required column "theme" is missing, and '
                                 '"thme" is not a known column. Did you mean "theme"?')
    assert error.fix == 'rename the column "thme" to "theme"'
    error = missing_column_error("s.csv", "design", ["key", "notes"], properties)
    assert error.where == "line 1 (header)" and "Study design" in error.fix


@pytest.mark.parametrize("instance, path, problem, fix", [
    ({"reference_style": "vancover"}, ["reference_style"], 'Did you mean "vancouver"?', 'write "vancouver" instead'),
    ({"referencestyle": "apa"}, ["referencestyle"], '"referencestyle" is not a known key. Did you mean '
     '"reference_style"?', 'rename the key to "reference_style"'),
    ({"templates": 5}, ["templates"], "5 is not of type string.", "templates: Folder of the Jinja"),
])
def test_explain_error(instance, path, problem, fix):
    schema = load_schema("config")
    config = {k: v["default"] for k, v in schema["properties"].items()} | instance
    config = {k: v for k, v in config.items() if k not in ("reference_style",) or "referencestyle" not in config}
    error = min(schema_errors(config, "config"), key=lambda e: e.validator != "additionalProperties")
    key_path, text, hint = explain_error(error, schema, "config")
    assert key_path == path and problem in text and hint.startswith(fix)


def test_check_config_keeps_build_and_output_apart():
    assert check_config({})["output_dir"] == "output"
    with pytest.raises(ConfigError) as caught:
        check_config({"build_dir": "out", "output_dir": "out/release"})
    assert caught.value.where == "key output_dir"


def test_read_csv_rows_skips_blank_lines_before_the_header():
    assert read_csv_rows("\n\na,b\n1,2\n", "f.csv", "table") == (["a", "b"], [(4, ["1", "2"])])
    assert "line 2 (header), column a" in raises(read_csv_rows, "\na,a\n1,2\n", "f.csv", "table")


def test_read_csv_rows_skips_blank_lines():
    assert read_csv_rows("a,b\n1,2\n\n3,4\n", "f.csv", "table")[1] == [(2, ["1", "2"]), (4, ["3", "4"])]
