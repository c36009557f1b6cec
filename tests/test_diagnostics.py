"""Unit tests: pandoc, Typst and Jinja errors become messages naming the template and line."""

from __future__ import annotations

import pytest
from livingreview.diagnostics import pandoc_error, snakemake_error, tidy_path, typst_error
from livingreview.errors import TemplateError
from livingreview.templating import context_names, render_template, undefined_name


def test_pandoc_template_error_names_the_template_and_line():
    stderr = ('Error compiling template "/p/templates/pandoc/../html/template.html" (line 20, column 88):\n'
              'unexpected "$"\nexpecting letter or digit or "()"\n')
    error = pandoc_error(stderr, "build/release/review.md", "templates/pandoc/html.yaml")
    assert error.file == "/p/templates/html/template.html" and error.where == "line 20, column 88"
    assert error.problem.startswith('pandoc cannot read this template: unexpected "$" expecting letter')


def test_other_pandoc_errors_name_the_source_and_defaults():
    error = pandoc_error("Unknown option --x\n", "build/release/review.md", "templates/pandoc/html.yaml")
    assert error.file == "build/release/review.md" and "templates/pandoc/html.yaml" in error.fix


def test_tidy_path(tmp_path):
    assert tidy_path("templates/pandoc/../html/t.html") == "templates/html/t.html"
    assert tidy_path(str(tmp_path / "a" / ".." / "b.txt"), tmp_path) == "b.txt"
    assert tidy_path("/elsewhere/x", tmp_path) == "/elsewhere/x"


DIAGNOSTIC = "error: unclosed delimiter\n  ┌─ review.typ:26:24\n   │\n26 │ #set par(justify: true,,\n   │                        ^\n\n"


def test_typst_error_points_at_the_template_line(tmp_path):
    template = tmp_path / "template.typ"
    template.write_text("// look\n#set page(a4)\n#set par(justify: true,,\n", encoding="utf-8")
    error = typst_error(DIAGNOSTIC, "unclosed delimiter", "build/review.typ", str(template))
    assert error.file == str(template) and error.where == "line 3"
    assert "unclosed delimiter (at `#set par(justify: true,,`)" in error.problem


def test_typst_error_in_generated_text_names_the_generated_file(tmp_path):
    template = tmp_path / "template.typ"
    template.write_text("$body$\n", encoding="utf-8")
    error = typst_error(DIAGNOSTIC, "unclosed delimiter", "build/review.typ", str(template))
    assert error.file == "build/review.typ" and error.where == "line 26"
    assert error.fix.endswith(f"with {template}; check that template")


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
        render_template(tmp_path, "t.md.j2", **context)
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
    assert render_template(tmp_path, "t.md.j2", who="you") == "Hello you\n"



def test_snakemake_error_names_the_workflow_file_and_line():
    log = ("Building DAG of jobs...\nSyntaxError in file \"workflow/rules/html.smk\", line 14:\n"
           "Expected name or colon after rule or checkpoint keyword.\n")
    assert snakemake_error(log).startswith("workflow/rules/html.smk, line 14: Snakemake cannot run the workflow "
                                           "(SyntaxError): Expected name or colon")
    assert snakemake_error("a\n\nb\n").endswith("log:\n  a\n  b\n  fix: see the whole log for the cause")


def test_snakemake_error_from_a_python_traceback_through_a_rule_file():
    log = ('Traceback (most recent call last):\n  File "/x/snakemake/api.py", line 362, in dag\n'
           '  File "/p/Snakefile", line 31, in <module>\n  File "/p/workflow/rules/html.smk", line 4\n'
           "SyntaxError: Expected name or colon\n\nDuring handling...\nKeyError: 4\n")
    assert snakemake_error(log).startswith("/p/workflow/rules/html.smk, line 4: Snakemake cannot run the workflow "
                                           "(SyntaxError): Expected name or colon\n  fix:")
