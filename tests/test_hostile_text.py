"""Text from data is data: markup of every kind and every script comes out literally, in every format.

One real build of a project whose study findings, bibliography title and
review title hold Markdown, HTML, Typst, LaTeX and Jinja syntax and text in
many scripts. The Markdown must render (by pandoc) to exactly that text, the
HTML and the JATS XML must show it escaped with no injected element, and the
text of the PDF and the DOCX must contain it.
"""

from __future__ import annotations

import csv
import html as html_module
import io
import os
import re
import shutil
import subprocess
import unicodedata
from html.parser import HTMLParser

import docx
import pypandoc
import pytest
from conftest import copy_project, run_cli
from journal import docx_text, read_jats, text_of
from pypdf import PdfReader
from textcheck import html_text

# Each piece must come out character for character (after white space is normalised).
MARKUP = [
    "*not bold* _not italic_ **nor this**",
    "[1] [@key] [link](https://example.org)",
    "`not code` and ``nor this``",
    "<!-- not a comment -->",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    "&amp; &#38; &lt;b&gt; AT&T",
    '#import "evil.typ": * #set text(red) $x^2$ @key <label>',
    r"\textbf{not bold} 100% a & b ~ c \\ d",
    "{{ 7*7 }} {% raw %} {# not a comment #}",
    "~sub~ ^sup^ ~~strike~~ | pipe |",
]
SCRIPTS = [
    "Ελληνικά",  # Greek
    "кириллица",  # Cyrillic
    "中文简体",  # Chinese
    "日本語のかな",  # Japanese
    "한국어",  # Korean
    "العربية",  # Arabic
    "עברית",  # Hebrew
    "हिन्दी",  # Devanagari
    "ภาษาไทย",  # Thai
    *"বাংলা தமிழ் తెలుగు ಕನ್ನಡ മലയാളം".split(),  # Bengali, Tamil, Telugu, Kannada, Malayalam
    *"ગુજરાતી ਪੰਜਾਬੀ සිංහල ລາວ ខ្មែរ မြန်မာ".split(),  # Gujarati, Gurmukhi, Sinhala, Lao, Khmer, Myanmar
    *"ግዕዝ ქართული Հայերեն".split(),  # Ethiopic, Georgian, Armenian
    "😀🎉",  # emoji
    "Cafe\u0301 n\u0303",  # combining marks
]
# A finding that starts a paragraph with block syntax, then everything else.
LEAD = "# Not a heading: 1. not a list; > not a quote."
# (the citation goes before the final full stop, so the text is checked without it)
FINDING = " ".join(MARKUP + SCRIPTS) + "."
TITLE = "Hostile <b>title</b> & *stars* {{ 7*7 }} $x$ 中文 العربية 😀"
# A theme's label is drawn in the seed review's figure: "$" must not start mathtext, "<b>" must stay text.
THEME = r"Costs $5 and $10 <b>saved</b> $\frac{$ x"
BIB_TITLE = r"Bib <script>x</script> \& AT&T 100% {{ 7*7 }} @key \#import #set $x$ 中文 😀"
# LaTeX in a BibTeX field is decoded by design (\& is &, braces group); what remains is literal.
# ... and simple math is written as text ("$x$" is x).
BIB_TITLE_SHOWN = "Bib <script>x</script> & AT&T 100% 7*7 @key #import #set x 中文 😀"


def normal(text: str) -> str:
    """White space collapsed and Unicode composed, as every format may differ in both."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, example_release):
    """A real build of a project whose data holds hostile text."""
    project = copy_project(tmp_path_factory.mktemp("hostile") / "project", example_release)
    path = project / "data" / "studies.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    header = rows[0]
    rows[1][header.index("description_lead")] = LEAD
    rows[1][header.index("description")] = FINDING
    rows[1][header.index("population")] = "adults <i>with</i> *depression* 中文"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    themes = project / "data" / "themes.csv"
    themes.write_text(themes.read_text(encoding="utf-8").replace("Medication and psychotherapy combined", THEME),
                      encoding="utf-8")
    bib = project / "references.bib"
    text = bib.read_text(encoding="utf-8")
    old = "Comparing Medication and Psychotherapy Outcomes in Depression: A Systematic Review and Meta-Analysis"
    bib.write_text(text.replace(old, BIB_TITLE), encoding="utf-8")
    review = project / "data" / "review.yaml"
    text = review.read_text(encoding="utf-8")
    review.write_text(text.replace('title: "Depression Treatment: Medication, Psychotherapy, and Beyond"',
                                   f"title: '{TITLE}'"), encoding="utf-8")
    result = run_cli(project, "build")
    assert result.returncode == 0, result.stderr
    return project


def expected_pieces() -> list[str]:
    return [LEAD[:-1], *MARKUP, *SCRIPTS, TITLE, BIB_TITLE_SHOWN]


def test_markdown_renders_to_the_literal_text(hostile):
    markdown = (hostile / "output" / "review.md").read_text(encoding="utf-8")
    plain = normal(pypandoc.convert_text(markdown, "plain", format="markdown-smart",
                                         extra_args=["--wrap=none", "--standalone"]))
    for piece in expected_pieces():
        assert normal(piece) in plain, piece
    assert "49" not in plain.replace("2025", "")  # {{ 7*7 }} was never evaluated


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attributes = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]


def test_html_shows_the_text_escaped_and_injects_nothing(hostile):
    html = (hostile / "output" / "review.html").read_text(encoding="utf-8")
    elements = _Elements()
    elements.feed(html)
    assert "script" not in elements.tags and "img" not in elements.tags and "b" not in elements.tags
    assert "i" not in elements.tags
    assert not any(name.startswith("on") for name in elements.attributes)
    assert "<!-- not a comment -->" not in html  # shown as text, so escaped
    text = normal(html_text(html))
    for piece in expected_pieces():
        assert normal(piece) in text, piece
    title = re.search(r"<title>(.*?)</title>", html, re.DOTALL).group(1)
    assert normal(html_text(title)) == normal(TITLE)
    meta = re.search(r'<meta name="citation_title" content="([^"]*)">', html).group(1)
    assert normal(html_text(meta)) == normal(TITLE)


def test_a_theme_label_is_drawn_and_described_as_the_text_it_is(hostile):
    """The design map draws the label without mathtext (a bad formula would have failed the build) and its
    text alternative, inline in the page, holds it escaped."""
    svg = (hostile / "output" / "figures" / "designs.svg").read_text(encoding="utf-8")
    description = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.DOTALL).group(1)
    assert THEME in html_module.unescape(description) and "<b>" not in svg
    assert svg in (hostile / "output" / "review.html").read_text(encoding="utf-8")


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_pdf_text_contains_every_character(hostile):
    """Every piece of text is in the PDF, as pypdf or poppler's pdftotext (Debian's poppler-utils, which CI
    installs) reads it: pypdf mangles some shaped clusters (the reordered vowel sign of Devanagari, the
    medial signs of Myanmar) and, in the tagged PDF/UA file, reads some twice (Tamil, Telugu); pdftotext
    reads those right but gives right-to-left text in visual order."""
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext is not installed (.ci/run installs poppler-utils)")
        pytest.skip("pdftotext is not installed (Debian: apt-get install poppler-utils)")
    path = hostile / "output" / "review.pdf"
    reader = PdfReader(path)
    poppler = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                             check=True).stdout
    # pypdf puts control characters between the glyph clusters of shaped scripts: left out
    texts = [normal("".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc")).replace(" ", "")
             for text in ("\n".join(page.extract_text() for page in reader.pages), poppler)]
    for piece in expected_pieces():
        assert any(normal(piece).replace(" ", "") in text for text in texts), piece
    assert reader.metadata.title == TITLE


def test_pdf_has_a_font_for_every_script(hostile):
    """No character from the data fell back to an empty box: each script's font is embedded."""
    reader = PdfReader(hostile / "output" / "review.pdf")
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    for name in ("NotoSansCJKsc", "NotoNaskhArabic", "NotoSerifDevanagari", "NotoSerifThai", "NotoEmoji",
                 "NotoSerifBengali", "NotoSerifTamil", "NotoSerifTelugu", "NotoSerifKannada", "NotoSerifMalayalam",
                 "NotoSerifGujarati", "NotoSerifGurmukhi", "NotoSerifSinhala", "NotoSerifLao", "NotoSerifKhmer",
                 "NotoSerifMyanmar", "NotoSerifEthiopic"):
        assert any(f.startswith(name) for f in fonts), (name, fonts)


def test_docx_text_holds_every_piece_literally(hostile):
    document = docx.Document(str(hostile / "output" / "review.docx"))
    text = normal(docx_text(hostile / "output" / "review.docx"))
    for piece in expected_pieces():
        assert normal(piece) in text, piece
    assert document.core_properties.title == TITLE


def test_jats_is_well_formed_holds_every_piece_and_injects_no_element(hostile):
    tree = read_jats(hostile / "output" / "review.jats.xml")  # parses: everything escaped
    root = tree.getroot()
    tags = {element.tag for element in root.iter()}
    assert not tags & {"script", "img", "b", "i", "sup", "sub"}
    text = normal(" ".join(root.itertext()))
    for piece in expected_pieces():
        assert normal(piece) in text, piece
    assert root.findtext("front/article-meta/title-group/article-title") == TITLE
    titles = [normal(text_of(title)) for title in root.iter("article-title")]
    assert normal(BIB_TITLE_SHOWN) in titles  # the structured reference keeps the title literally
