"""Text from data must come out of pandoc exactly as it went in."""

import re
from pathlib import Path

import pypandoc
import pytest
from livingreview import pandoc
from livingreview.markdown import escape_markdown, lower_first, normalize_space

HOSTILE = [
    "*bold* _it_ **x** __y__",
    "# heading at the start",
    "- a bullet",
    "+ plus",
    "1. numbered",
    "a) lettered",
    "(2) parenthesised",
    "> quote",
    ": definition",
    "[1] and [@key] and [link](http://x.org)",
    "`code` and ``more``",
    "<!-- comment --> <script>alert(1)</script> <img src=x onerror=alert(1)>",
    "&amp; &#38; & plain",
    "#import \"x\": y; $x^2$ @key <label> #set text(red)",
    r"\textbf{bold} 100% a~b & c \\ d",
    "{{ 7*7 }} {% raw %} {# c #}",
    "Ελληνικά, кириллица, 中文, العربية, 😀, e\u0301",
    "~sub~ ^sup^ ~~strike~~ | pipe | ==mark==",
    "trailing backslash \\",
    "B. Johnsen and I. Moen",
    "IV. Results were mixed.",
    "---",
    "::: div",
    "*** stars",
    "= equals",
    "~~~ tilde fence",
    "``` backtick fence",
    "(@) example",
    "etc. and so on",
]


def pandoc_plain(markdown: str) -> str:
    """What pandoc makes of *markdown* as plain text (on one line)."""
    text = pypandoc.convert_text(markdown, "plain", format="markdown-smart", extra_args=["--wrap=none"])
    return text.strip()


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_escaped_text_renders_literally(text):
    assert pandoc_plain(escape_markdown(text)) == normalize_space(text)


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_escaped_text_is_literal_in_html(text):
    html = pypandoc.convert_text(escape_markdown(text), "html", format="markdown-smart")
    assert "<script" not in html and "<img" not in html and "<!--" not in html
    assert "<strong>" not in html and "<em>" not in html and "<code>" not in html and "<a " not in html


def test_whitespace_is_normalised():
    assert escape_markdown("a\n\nb  c\r\n") == "a b c"


@pytest.mark.parametrize("text, expected", [
    ("A comprehensive analysis", "a comprehensive analysis"),
    ("CBT was compared", "CBT was compared"),
    ("IPT", "IPT"),
    ("Norwegian registry data link alliance", "Norwegian registry data link alliance"),
    ("The authors found", "the authors found"),
    ("", ""),
])
def test_lower_first(text, expected):
    assert lower_first(text) == expected


def test_pandoc_is_the_pinned_binary(tmp_path, monkeypatch):
    assert pandoc.binary().parent == Path(pypandoc.__file__).parent / "files"
    assert re.fullmatch(r"3(\.\d+)+", pandoc.version())
    # another pandoc, first on PATH and newer, is never run
    impostor = tmp_path / "pandoc"
    impostor.write_text("#!/bin/sh\necho 'pandoc 99.0'\n")
    impostor.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{Path(impostor).parent}")
    monkeypatch.setenv("PYPANDOC_PANDOC", str(impostor))
    pypandoc.clean_pandocpath_cache()
    source = tmp_path / "a.md"
    source.write_text("hello\n")
    assert pandoc.convert(source, "html5", []).strip() == "<p>hello</p>"
    assert pypandoc.get_pandoc_path() == str(pandoc.binary())
