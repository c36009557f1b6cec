"""Unit tests of the pure functions that read hand-edited files and explain what is wrong."""

from __future__ import annotations

import pytest
from livingreview import config as review_config
from livingreview.errors import ConfigError, DataError, ErrorList, LivingReviewError, closest, combined, did_you_mean
from livingreview.files import decode_text, parse_yaml, yaml_line
from livingreview.schemas import explain_error, load_schema, schema_errors
from livingreview.tables import csv_shape, missing_column_error, read_table
from livingreview.templates import template_file


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
def test_csv_shape_explains_a_malformed_table(text, expected):
    assert expected in raises(csv_shape, text, "f.csv", "table")


def test_csv_shape_gives_the_header_and_the_line_each_row_starts_on():
    assert csv_shape(' a ,b\n1,"He said ""hi"""\n\n"x, y", 2\n', "f.csv", "table") == (["a", "b"], [2, 4])
    assert csv_shape('a,b\n"1\n2",3\n4,5\n', "f.csv", "table") == (["a", "b"], [2, 4])


def test_read_table_reads_every_cell_as_text_typed_by_the_schema(tmp_path):
    themes = tmp_path / "themes.csv"
    themes.write_text('theme,order,label,conclusion_order,statement,also_requires,notes\n'
                      'a-b,2,"Label, with comma",,,,"He said ""hi"""\n\n'
                      'c,1,"Two\nlines",3,A statement.,a-b,007\n', encoding="utf-8")
    table = read_table(themes, "themes", "themes table", "theme")
    assert table.problems == []
    assert table.rows == [
        {"theme": "a-b", "order": 2, "label": "Label, with comma", "conclusion_order": None, "statement": "",
         "also_requires": "", "notes": 'He said "hi"', "_row": 1, "_line": 2},
        {"theme": "c", "order": 1, "label": "Two\nlines", "conclusion_order": 3, "statement": "A statement.",
         "also_requires": "a-b", "notes": "007", "_row": 2, "_line": 4}]


def test_read_table_reports_each_faulty_cell_with_row_line_and_column(tmp_path):
    themes = tmp_path / "themes.csv"
    themes.write_text("theme,order,label,conclusion_order,statement,also_requires\n"
                      "a,first,A,,,\n\n"
                      "B C,2,,x,,\n"
                      "a,3,Again,,,\n", encoding="utf-8")
    table = read_table(themes, "themes", "themes table", "theme")
    assert [str(p).split(":")[0] for p in table.problems] == [
        f"{themes}, row 1 (line 2), column order",
        f"{themes}, row 2 (line 4), column theme", f"{themes}, row 2 (line 4), column label",
        f"{themes}, row 2 (line 4), column conclusion_order",
        f"{themes}, row 3 (line 5), theme a"]
    assert table.faulty == {1, 2, 3}


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


def test_a_missing_data_file_is_named_with_the_closest_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    for name in ("studies.csv", "themes.csv", "review.yaml"):
        (tmp_path / "data" / name).write_text("x")
    (tmp_path / "references.bib").write_text("x")
    message = raises(review_config.check, {"studies": "data/studie.csv"})
    assert message.startswith('data/studie.csv: the file does not exist, but the build needs it (config key '
                              'studies). Did you mean "studies.csv"?')


def test_a_missing_template_is_named_with_the_closest_template(tmp_path):
    own, shared = tmp_path / "own", tmp_path / "shared"
    (shared / "sections").mkdir(parents=True)
    (shared / "sections" / "description.md.j2").write_text("x")
    (own / "sections").mkdir(parents=True)
    (own / "sections" / "conclusion.md.j2").write_text("y")
    assert template_file("sections/description.md.j2", [own, shared]) == str(shared / "sections/description.md.j2")
    assert template_file("sections/conclusion.md.j2", [own, shared]) == str(own / "sections/conclusion.md.j2")
    message = raises(template_file, "sections/descripton.md.j2", [own, shared])
    assert message.startswith(f'{own}/sections/descripton.md.j2: the template does not exist. Did you mean '
                              '"sections/description.md.j2"?')


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
    ({"templates": 5}, ["templates"], "5 is not of type string.", "templates: write text"),
])
def test_explain_error(instance, path, problem, fix):
    schema = load_schema("config")
    config = {k: v["default"] for k, v in schema["properties"].items()} | instance
    config = {k: v for k, v in config.items() if k not in ("reference_style",) or "referencestyle" not in config}
    error = min(schema_errors(config, "config"), key=lambda e: e.validator != "additionalProperties")
    key_path, text, hint = explain_error(error, schema, "config")
    assert key_path == path and problem in text and hint.startswith(fix)


@pytest.mark.parametrize("output_dir", ["out/release", "data", "templates", ".", "workflow"])
def test_check_config_keeps_the_output_folder_apart_from_what_the_build_reads(tmp_path, monkeypatch, output_dir):
    from conftest import copy_project

    project = copy_project(tmp_path / "p")
    monkeypatch.chdir(project)
    assert review_config.check({}, pipeline=project)["output_dir"] == "output"
    with pytest.raises(ConfigError) as caught:
        review_config.check({"build_dir": "out", "output_dir": output_dir}, pipeline=project)
    assert caught.value.where.endswith("key output_dir")


def test_csv_shape_skips_blank_lines_before_the_header_and_between_rows():
    assert csv_shape("\n\na,b\n1,2\n", "f.csv", "table") == (["a", "b"], [4])
    assert "line 2 (header), column a" in raises(csv_shape, "\na,a\n1,2\n", "f.csv", "table")
    assert csv_shape("a,b\n1,2\n\n3,4\n", "f.csv", "table") == (["a", "b"], [2, 4])


@pytest.mark.parametrize("text, allow, expected", [
    ("ok\tfine\n", False, None),
    ("a\nb\x00c\n", False, "f.csv, line 2, column 2: the table file contains a control character, U+0000"),
    ("x\x1b[31m\x1b[0m\n", False, "control character, U+001B (2 in the file)"),
    ("caf\u00e9 \u0085\n", False, "U+0085"),
    ("live \u202eevil\n", False, "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("live \u202eevil\n", True, None),
    ("a\u200db\n", False, "U+200D ZERO WIDTH JOINER"),
])
def test_check_characters(text, allow, expected):
    from livingreview.files import check_characters

    if expected is None:
        check_characters(text, "f.csv", "table", allow_invisible=allow)
    else:
        assert expected in raises(check_characters, text, "f.csv", "table", DataError, allow)


def test_file_system_errors_become_plain_messages():
    import errno

    from livingreview.errors import file_system_error

    full = file_system_error(OSError(errno.ENOSPC, "No space left on device", "build/x.pdf"), "stage pdf")
    assert str(full).startswith("build/x.pdf: the disk is full: stage pdf stopped") and "free some space" in full.fix
    assert "permission denied" in str(file_system_error(PermissionError(errno.EACCES, "x", "out/a"), "publishing"))
    assert file_system_error(FileNotFoundError(errno.ENOENT, "x", "a"), "y") is None  # not the machine's fault


def test_every_coded_value_has_its_label_and_every_label_its_code():
    from livingreview.project import SCHEMAS
    from livingreview.schemas import load_schema

    for path in sorted(SCHEMAS.glob("*.schema.yaml")):
        name = path.name.removesuffix(".schema.yaml")
        for prop, node in load_schema(name).get("properties", {}).items():
            if "x-labels" in node:
                assert list(node["x-labels"]) == list(node["enum"]), f"{name}: {prop}"
