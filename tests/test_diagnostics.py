"""Unit tests: pandoc, Typst and Jinja errors become messages naming the template and line."""

from __future__ import annotations

import pytest
from livingreview.errors import TemplateError
from livingreview.pandoc import pandoc_error
from livingreview.stages.formats import typst_error
from livingreview.templates import Templates, context_names, shown_path, undefined_name


def test_pandoc_template_error_names_the_template_and_line():
    stderr = ('Pandoc died with exitcode "5" during conversion: Error compiling template '
              '"/p/templates/pandoc/../html/template.html" (line 20, column 88):\n'
              'unexpected "$"\nexpecting letter or digit or "()"\n')
    error = pandoc_error(stderr, "build/release/review.md", ["templates/pandoc/html.yaml"])
    assert error.file == "/p/templates/html/template.html" and error.where == "line 20, column 88"
    assert error.problem.startswith('pandoc cannot read this template: unexpected "$" expecting letter')


def test_other_pandoc_errors_name_the_source_and_defaults():
    error = pandoc_error("Unknown option --x\n", "build/release/review.md", ["templates/pandoc/html.yaml"])
    assert error.file == "build/release/review.md" and "templates/pandoc/html.yaml" in error.fix


def test_shown_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert shown_path("templates/pandoc/../html/t.html") == "templates/html/t.html"
    assert shown_path(str(tmp_path / "a" / ".." / "b.txt")) == "b.txt"
    assert shown_path("/elsewhere/x") == "/elsewhere/x"


DIAGNOSTIC = "error: unclosed delimiter\n  ┌─ review.typ:26:24\n   │\n26 │ #set par(justify: true,,\n   │                        ^\n\n"


def test_typst_error_points_at_the_template_line(tmp_path):
    template = tmp_path / "template.typ"
    template.write_text("// look\n#set page(a4)\n#set par(justify: true,,\n", encoding="utf-8")
    error = typst_error(DIAGNOSTIC, "unclosed delimiter", "build/review.typ", str(template))
    assert error.file == shown_path(template) and error.where == "line 3"
    assert "unclosed delimiter (at `#set par(justify: true,,`)" in error.problem


def test_typst_error_in_generated_text_names_the_generated_file(tmp_path):
    template = tmp_path / "template.typ"
    template.write_text("$body$\n", encoding="utf-8")
    error = typst_error(DIAGNOSTIC, "unclosed delimiter", "build/review.typ", str(template))
    assert error.file == "build/review.typ" and error.where == "line 26"
    assert error.fix.endswith(f"with {shown_path(template)}; check that template")


@pytest.mark.parametrize("message, name", [
    ("'reviw' is undefined", "reviw"),
    ("'dict object' has no attribute 'finding'", "finding"),
    ("something else", None),
])
def test_undefined_name(message, name):
    assert undefined_name(message) == name


def test_context_names_look_one_level_into_mappings_and_lists():
    names = context_names({"review": {"title": "T"}, "studies": [{"key": "a", "finding": "f"}], "n": 3})
    assert names == ["finding", "key", "n", "review", "studies", "title"]


def render(tmp_path, text, **context):
    (tmp_path / "t.md.j2").write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        Templates([tmp_path]).render("t.md.j2", **context)
    return caught.value


def test_template_errors_name_the_template_line_and_name(tmp_path):
    error = render(tmp_path, "line one\n{% if x %}\nno end\n", x=1)
    assert error.where.startswith("line ") and "syntax error" in error.problem
    error = render(tmp_path, "a\nb {{ studies[0].findng }}\n", studies=[{"finding": "f"}])
    assert error.where == "line 2, name findng" and error.problem.endswith('Did you mean "finding"?')
    error = render(tmp_path, "{% include 'nothere.md.j2' %}")
    assert error.file.endswith("nothere.md.j2") and "does not exist" in error.problem
    error = render(tmp_path, "x\n{{ 1 / n }}\n", n=0)
    assert error.where == "line 2" and "ZeroDivisionError" in error.problem


def test_a_template_may_start_with_a_byte_order_mark(tmp_path):
    (tmp_path / "t.md.j2").write_bytes(b"\xef\xbb\xbfHello {{ who }}\r\n")
    assert Templates([tmp_path]).render("t.md.j2", who="you") == "Hello you\n"


