"""Stage ``formats``: the article as HTML (pandoc), as PDF (pandoc, then Typst), as Word and as JATS
XML (pandoc).

Every format starts from the article's syntax tree (``review.json``, written
by the stage ``article``), in which pandoc's citeproc formatted the citations
and the reference list and kept each citation a ``Cite`` node naming its
keys. HTML, PDF and Word show it as the journal does
(:func:`livingreview.citeproc.numbered_article`); the JATS XML keeps the
citations as links to the entries of its structured reference list.

Pandoc comes from the ``pypandoc-binary`` wheel and Typst from the ``typst``
wheel, so no system TeX, browser or font is involved: Typst is told to
ignore the system's fonts, and the PDF and the DOCX are dated by the
review's publication date, never by the clock.
"""

from __future__ import annotations

import datetime as dt
import html as html_escaping
import os
import re
from pathlib import Path
from urllib.parse import quote

from .. import pandoc
from ..citeproc import ENTRY_PREFIX, citation_keys, numbered_article, reference_keys, walk
from ..csl import first_and_last_page, references_meta
from ..errors import ConversionError
from ..files import read_json, write_atomic, write_log
from ..jats import article_parts, figure_alternative, finish, front, with_bibliography
from ..names import full_name
from ..records import Name, Reference
from ..templates import shown_path
from ..wordfile import deterministic_docx
from . import stage


def _person(author: dict) -> str:
    """An author of the review (given and family name in the review metadata) in reading order."""
    return full_name(Name(family=author["family"], given=author["given"]))


def citation_meta_tags(review: dict, references: list[dict]) -> str:
    """Highwire Press ``citation_*`` meta tags for indexers (Google Scholar & co.).

    *references* are the cited entries in reference-list order.
    """
    def tag(name: str, content) -> str:
        return f'<meta name="{name}" content="{html_escaping.escape(str(content), quote=True)}">'

    tags = [tag("citation_title", review["title"])]
    tags += [tag("citation_author", _person(a)) for a in review["authors"]]
    tags += [
        # The page is this version: its date, and its own DOI when it has one (as "How to cite" cites it).
        tag("citation_publication_date", review["dates"]["published"].replace("-", "/")),
        tag("citation_journal_title", review["journal"]["title"]),
        tag("citation_journal_abbrev", review["journal"]["abbreviation"]),
        tag("citation_volume", review["volume"]),
        tag("citation_firstpage", review["article_number"]),
        tag("citation_doi", review.get("version_doi") or review["doi"]),
        tag("citation_language", review.get("language", "en")),
    ]
    if review["journal"].get("issn"):
        tags.append(tag("citation_issn", review["journal"]["issn"]))
    for ref in references:
        fields = ref["fields"]
        parts = [f"citation_title={fields.get('title', '')}"]
        parts += [f"citation_author={full_name(Name(**a))}" for a in ref["authors"] if not Name(**a).is_others]
        for name in ("journal", "volume", "year", "doi"):
            if fields.get(name):
                parts.append(f"citation_{'journal_title' if name == 'journal' else name}={fields[name]}")
        first, last = first_and_last_page(fields.get("pages", ""))
        if first:
            parts.append(f"citation_firstpage={first}")
        if last:
            parts.append(f"citation_lastpage={last}")
        tags.append(tag("citation_reference", "; ".join(p.replace(";", ",") for p in parts)))
    return "\n".join(tags)


def html_variables(review: dict, meta: str) -> dict[str, str]:
    """What the HTML template receives besides the article's metadata, escaped for HTML here:
    pandoc pastes template variables as they are, and escapes no quote in metadata either, so a
    value placed in an attribute must come from here."""
    return {"citation-meta": meta, "doi-url": html_escaping.escape(doi_url(review["doi"]), quote=True)} | (
        {"version-doi-url": html_escaping.escape(doi_url(review["version_doi"]), quote=True)}
        if review.get("version_doi") else {})


def doi_url(doi: str) -> str:
    """The address of *doi* (``https://doi.org/...``)."""
    return "https://doi.org/" + quote(doi, safe="/:;()")


def typst_string(text: str) -> str:
    """A Typst string literal for *text* (backslashes, quotes and line breaks escaped)."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


# A citation of this many entries or more may be too long for a line (it has no spaces to break at).
LONG_CITATION = 12


def citation_links(setting: bool | int, references: int) -> bool:
    """Whether the PDF's citations link to the reference list of *references* entries (config
    ``pdf_citation_links``: true, false, or the largest number of entries with links)."""
    return setting if isinstance(setting, bool) else references <= setting


def pdf_citations(tree: dict, links: bool = True) -> dict:
    """The article's syntax *tree* with its citations made for the PDF, in place (a stage's own copy) and
    returned: a zero-width space after each comma of the formatted text of its long citations (``Cite``
    nodes citing :data:`LONG_CITATION` entries or more: "[5,8,10-16,21,...]", a review citing hundreds of
    studies), so that the PDF may break the line there (any other comma, "47,241" or prose, is left
    alone); without *links*, each citation's links to the reference list replaced by their text."""
    def made_for_the_pdf(node: dict) -> None:
        if node["t"] == "Cite":
            inlines = node["c"][1] if links else _unlinked(node["c"][1])
            if len(citation_keys(node)) >= LONG_CITATION:
                inlines = [_breakable(inline) for inline in inlines]
            node["c"][1] = inlines

    walk(tree["blocks"], made_for_the_pdf)
    return tree


def _unlinked(inlines: list[dict]) -> list[dict]:
    """A citation's *inlines* with each link to an entry of the reference list (``#ref-...``) replaced by
    its text."""
    out = []
    for inline in inlines:
        if inline.get("t") == "Link" and inline["c"][2][0].startswith("#" + ENTRY_PREFIX):
            out += _unlinked(inline["c"][1])
        else:
            out.append(inline)
    return out


def _breakable(inline: dict) -> dict:
    """One inline of a citation's text with a zero-width space after each of its commas."""
    if inline.get("t") == "Str" and "," in inline["c"]:
        return {"t": "Str", "c": inline["c"].replace(",", ",\u200b")}
    return inline


def pdf_variables(review: dict) -> dict[str, str]:
    """Document properties for the Typst template, as Typst expressions: the title, the authors, the
    date and the :func:`document_description` (the DOIs and the version), which Typst writes into the
    PDF's XMP metadata and its document information dictionary."""
    published = dt.date.fromisoformat(review["dates"]["published"])
    return {
        "pdf-title": typst_string(review["title"]),
        "pdf-authors": "(" + "".join(typst_string(_person(a)) + ", " for a in review["authors"]) + ")",
        "pdf-date": f"datetime(year: {published.year}, month: {published.month}, day: {published.day})",
        "pdf-description": typst_string(document_description(review)),
        "pdf-doi-url": typst_string(doi_url(review["doi"])),
    } | ({"pdf-version-doi-url": typst_string(doi_url(review["version_doi"]))}
         if review.get("version_doi") else {})


def document_description(review: dict) -> str:
    """The description in the PDF's and the Word file's document properties: the article's DOI and its
    version, with the version's own DOI for a living review (review.yaml ``version_doi``)."""
    if review.get("version_doi"):
        return (f"{doi_url(review['doi'])} (all versions); version {review['version']}: "
                f"{doi_url(review['version_doi'])}")
    return f"{doi_url(review['doi'])} (version {review['version']})"


def publication_timestamp(review: dict) -> int:
    """The build's timestamp: the review's publication date at 00:00 UTC."""
    published = dt.date.fromisoformat(review["dates"]["published"])
    return int(dt.datetime(published.year, published.month, published.day, tzinfo=dt.UTC).timestamp())


# The PDF standards Typst is asked to meet: PDF/UA-1 (tagged, every figure with its alternative text, a
# title, a language; Typst checks these and stops when one is missing). Typst 0.14 knows no PDF/UA-2.
PDF_STANDARDS = ["ua-1"]


# What the Typst process runs (livingreview.typst_pdf.main): compile the file named by its argument (a JSON
# list: the source, the root folder, the font folders, the timestamp, the PDF standards) and write the PDF to
# its standard output, or the failure (diagnostic and message) to its standard error as JSON.
_TYPST_PROGRAM = "import sys; from livingreview.typst_pdf import main; sys.exit(main(sys.argv[1]))"


def compile_typst(source: str, target: str, font_dirs: list[str], timestamp: int, template: str) -> None:
    """Compile a Typst file to a tagged PDF/UA-1 file (:data:`PDF_STANDARDS`) with only the fonts of the
    typst package and of *font_dirs*.

    Typst runs in a Python process of its own (the typst package ships no command line): the memory it
    takes to lay out a long article (gigabytes at thousands of references) is returned when that
    process ends, and the build's own process, which runs the other jobs, does not grow with it. Where
    this Python may not start itself again (a sandbox that denies it, as for a user who may not read
    the interpreter's real folder), Typst compiles in the build's process instead.
    """
    import json
    import subprocess
    import sys

    fonts = [folder for folder in font_dirs if Path(folder).is_dir()]
    arguments = json.dumps([source, str(Path(source).resolve().parent), fonts, timestamp, PDF_STANDARDS])
    try:
        run = subprocess.run([sys.executable, "-c", _TYPST_PROGRAM, arguments], capture_output=True, check=False)
    except OSError:
        write_atomic(target, _compile_here(source, fonts, timestamp, template))
        return
    if run.returncode != 0:
        try:
            failure = json.loads(run.stderr.decode("utf-8"))
        except ValueError:
            failure = {"diagnostic": "", "message": run.stderr.decode("utf-8", "replace").strip()
                       or f"the Typst process ended with status {run.returncode}"}
        raise typst_error(failure["diagnostic"], failure["message"], source, template)
    write_atomic(target, run.stdout)


def _compile_here(source: str, fonts: list[str], timestamp: int, template: str) -> bytes:
    """The PDF of the Typst file *source*, compiled in this process (:mod:`livingreview.typst_pdf`)."""
    from ..typst_pdf import compile_pdf, failure

    try:
        return compile_pdf(source, str(Path(source).resolve().parent), fonts, timestamp, PDF_STANDARDS)
    except Exception as exc:  # typst raises its own TypstError types
        problem = failure(exc)
        raise typst_error(problem["diagnostic"], problem["message"], source, template) from None


_TYPST_PLACE = re.compile(r"┌─ .*?:(\d+):(\d+)")
_TYPST_SOURCE_LINE = re.compile(r"^\s*(\d+) │ (.*)$", re.MULTILINE)


def typst_error(diagnostic: str, message: str, typst_source: str, template: str) -> ConversionError:
    """The error for a failed Typst compilation of *typst_source*, generated from *template*.

    When the failing source line also occurs in *template*, the message
    names the template's line (the author's file); otherwise the generated file's.
    """
    place = _TYPST_PLACE.search(diagnostic or "")
    shown = {int(n): code for n, code in _TYPST_SOURCE_LINE.findall(diagnostic or "")}
    line = int(place.group(1)) if place else None
    code = shown.get(line, "").strip() if line else ""
    template_line = _find_line(template, code) if code else None
    fix = "fix the Typst code on that line, or restore the file from version control"
    if template_line:
        return ConversionError(shown_path(template), f"line {template_line}", f"Typst cannot compile the PDF: "
                               f"{message} (at `{code[:80]}`)", fix, line=template_line)
    detail = f" (at `{code[:80]}`)" if code else ""
    return ConversionError(typst_source, f"line {line}" if line else None,
                           f"Typst cannot compile the PDF: {message}{detail}",
                           f"this file is generated from the article by pandoc with {shown_path(template)}; "
                           "check that template", line=line)


def _find_line(path: str, code: str) -> int | None:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for number, text in enumerate(lines, start=1):
        if text.strip() == code:
            return number
    return None


def cited_references(evidence: dict, tree: dict) -> list[dict]:
    """The cited entries in the order of the reference list of the article's syntax *tree*."""
    return [evidence["references"][key] for key in reference_keys(tree)]


def figure_folder(release: str, relative_to: str = ".") -> str:
    """Where the staged release's ``figures/`` folder is for pandoc's figure filter (pandoc/figures.lua):
    *release* relative to *relative_to*, with forward slashes."""
    return Path(os.path.relpath(release, relative_to)).as_posix()


@stage
def html(*, ast: str, evidence: str, defaults: str, template: str, figures: str, variables: str,
         out: str, log: str) -> None:
    """The article's syntax tree -> review.html with pandoc (*defaults*: ``pandoc/html.yaml``;
    *template*: ``html/template.html``), as the journal shows it (:func:`numbered_article`), with
    ``citation_*`` meta tags and the figures of the staged release (folder *figures*) inline."""
    data = read_json(evidence)
    tree = read_json(ast)
    meta = citation_meta_tags(data["review"], cited_references(data, tree))
    pandoc.write_defaults(variables, template, html_variables(data["review"], meta)
                          | {"figure-folder": figure_folder(figures)})
    del data, meta
    document = pandoc.ast_text(numbered_article(tree))
    del tree  # pandoc gets the article's only copy (see pandoc.ast_text)
    write_atomic(out, pandoc.write_ast(document, "html5", [defaults, variables], ast))
    write_log(log, f"pandoc {pandoc.version()}: {shown_path(ast)} -> {shown_path(out)}")


@stage
def pdf(*, ast: str, evidence: str, defaults: str, template: str, fonts: list[str], figures: str, variables: str,
        typst: str, out: str, log: str, links: bool | int = True) -> None:
    """The article's syntax tree -> review.typ (pandoc, *defaults*: ``pandoc/typst.yaml``; *template*:
    ``pdf/template.typ``; shown as the journal does, :func:`numbered_article`, long citations made
    breakable and linked to the reference list as *links* says, :func:`pdf_citations` and
    :func:`citation_links`) -> review.pdf (Typst, in a process of its own, with the fonts of *fonts*
    folders and the figures of the staged release, folder *figures*)."""
    review = read_json(evidence)["review"]
    pandoc.write_defaults(variables, template, pdf_variables(review)
                          | {"figure-folder": figure_folder(figures, str(Path(typst).parent)),
                             "figure-files": figure_folder(figures)})
    tree = read_json(ast)
    document = pandoc.ast_text(numbered_article(pdf_citations(tree, citation_links(links, len(reference_keys(tree))))))
    del tree  # pandoc gets the article's only copy (see pandoc.ast_text)
    write_atomic(typst, pandoc.write_ast(document, "typst", [defaults, variables], ast))
    del document
    compile_typst(typst, out, fonts, publication_timestamp(review), template)
    write_log(log, f"pandoc {pandoc.version()}, typst: {shown_path(ast)} -> {shown_path(out)}")


def docx_properties(review: dict) -> dict[str, str]:
    """The Word file's core properties (``docProps/core.xml``, by element name) from the review
    metadata: title, authors, the journal line as subject, the :func:`document_description`, this
    version's DOI as identifier, language, article type as category, and version."""
    journal_line = f"{review['journal']['title']} {review['volume']} ({review['year']}):{review['article_number']}"
    return {
        "dc:title": review["title"],
        "dc:creator": "; ".join(_person(a) for a in review["authors"]),
        "dc:subject": journal_line,
        "dc:description": document_description(review),
        "dc:identifier": doi_url(review.get("version_doi") or review["doi"]),
        "dc:language": review.get("language", "en"),
        "cp:category": review.get("article_type", "Review"),
        "cp:version": str(review["version"]),
    }


# The article's metadata that pandoc's Word writer would show as its own title block (title, one line per
# author, the bare date): the Word file shows :func:`docx_front` instead.
_PANDOC_TITLE_BLOCK = ("title", "subtitle", "author", "date", "abstract")


def docx_front(review: dict) -> list[dict]:
    """The Word file's title block, as pandoc blocks, with the same information in the same order as the
    HTML's and the PDF's (``html/template.html``, ``pdf/template.typ``): the article type, the title,
    the authors (the corresponding one marked), their affiliations, and the journal line (journal,
    volume, year, article number, the DOI with a link, and the version with its own DOI for a living
    review). Each paragraph has a Word style of its own (pandoc's ``custom-style``: "Article Type",
    "Title", "Author", "Affiliation", "Journal Line"); the review's text is data, never Markdown."""
    def text(value) -> dict:
        return {"t": "Str", "c": str(value)}

    def link(doi: str) -> dict:
        return {"t": "Link", "c": [["", [], []], [text(doi)], [doi_url(doi), ""]]}

    def paragraph(style: str, inlines: list[dict]) -> dict:
        return {"t": "Div", "c": [["", [], [["custom-style", style]]], [{"t": "Para", "c": inlines}]]}

    affiliations = {a["id"]: a["name"] for a in review["affiliations"]}
    authors: list[dict] = []
    for number, author in enumerate(review["authors"]):
        authors += ([text(", ")] if number else []) + [text(_person(author))]
        if author.get("corresponding"):
            authors.append({"t": "Superscript", "c": [text("*")]})
    places: list[dict] = []
    for number, author in enumerate(review["authors"]):
        places += ([{"t": "LineBreak"}] if number else []) + [text(affiliations[author["affiliation"]])]
    journal = [{"t": "Emph", "c": [text(review["journal"]["title"])]},
               text(f" {review['volume']} ({review['year']}):{review['article_number']} · DOI: "), link(review["doi"])]
    if review.get("version_doi"):
        journal += [text(f" (all versions) · Version {review['version']}, DOI: "), link(review["version_doi"])]
    else:
        journal.append(text(f" · Version {review['version']}"))
    return [paragraph("Article Type", [text(review.get("article_type", "Review"))]),
            paragraph("Title", [text(review["title"])]),
            paragraph("Author", authors),
            paragraph("Affiliation", places),
            paragraph("Journal Line", journal)]


def with_front(tree: dict, review: dict) -> dict:
    """The syntax *tree* with :func:`docx_front` as its first blocks instead of pandoc's title block (the
    metadata pandoc would show is removed), in place (a stage's own copy) and returned."""
    for key in _PANDOC_TITLE_BLOCK:
        tree["meta"].pop(key, None)
    tree["blocks"][:0] = docx_front(review)
    return tree


def publication_time(review: dict) -> dt.datetime:
    """The review's publication date at 00:00 UTC."""
    return dt.datetime.fromtimestamp(publication_timestamp(review), tz=dt.UTC)


def with_pictures(tree: dict, alternatives: dict[str, tuple[str, str]] | None = None) -> dict:
    """The syntax *tree* with each figure of the release (``figures/NAME.svg``) replaced by its PNG
    (``figures/NAME.png``), for a format that cannot hold the SVG, in place (a stage's own copy) and
    returned; its alternative text (the image's inlines, which the Word file keeps as the picture's
    description) is the figure's full description from *alternatives* (see :func:`figure_alternatives`),
    when it has one, instead of its caption."""
    def picture(node: dict) -> None:
        if node["t"] == "Image":
            attributes, caption, (source, title) = node["c"]
            figure = re.fullmatch(r"figures/([a-z0-9-]+)\.svg", source)
            if figure:
                description = (alternatives or {}).get(source, ("", ""))[1]
                alternative = [{"t": "Str", "c": description}] if description else caption
                node["c"] = [attributes, alternative, [f"figures/{figure.group(1)}.png", title]]

    walk(tree["blocks"], picture)
    return tree


@stage
def docx(*, ast: str, markdown: str, evidence: str, defaults: str, pictures: str, figures: str, variables: str,
         out: str, log: str, line_numbers: bool = False, page_numbers: bool = True) -> None:
    """The article's syntax tree -> review.docx with pandoc (*defaults*: ``pandoc/docx.yaml``), each figure
    the PNG in ``figures/`` of the folder *pictures* with the full description of its SVG in the staged
    release (folder *figures*) as its alternative text (see :func:`with_pictures`), its title block and its
    document properties from the review metadata (:func:`with_front`, :func:`docx_properties`), with
    *line_numbers* and *page_numbers* (config ``docx_line_numbers``, ``docx_page_numbers``), its bytes fixed
    (see :mod:`livingreview.wordfile`)."""
    review = read_json(evidence)["review"]
    # The figures' PNG files are found in *pictures* (by a path that names no build folder, as the Word
    # file records it), other images beside review.md, then in the review folder.
    pandoc.write_options(variables, {"resource-path": [Path(pictures).as_posix(), Path(markdown).parent.as_posix(),
                                                       "."]})
    # Only the JSON text of the article is kept for pandoc (see pandoc.ast_text).
    document = pandoc.ast_text(with_front(with_pictures(numbered_article(read_json(ast)), figure_alternatives(figures)),
                                          review))
    data = pandoc.write_ast(document, "docx", [defaults, variables], ast, to_bytes=True)
    del document
    write_atomic(out, deterministic_docx(data, publication_time(review), docx_properties(review),
                                         f"pandoc {pandoc.version()}", line_numbers=line_numbers,
                                         page_numbers=page_numbers))
    write_log(log, f"pandoc {pandoc.version()}: {shown_path(ast)} -> {shown_path(out)}")


def figure_alternatives(folder: str) -> dict[str, tuple[str, str]]:
    """The text alternative (title, description) of each figure of the staged release in *folder*, by its
    path in the article (``figures/NAME.svg``)."""
    return {f"figures/{path.name}": figure_alternative(path.read_text(encoding="utf-8"))
            for path in sorted(Path(folder, "figures").glob("*.svg"))}


def data_citations(evidence: dict) -> dict[str, str]:
    """The bibliography keys of the databases the review's data come from, with their versions (a
    meta-analytic review's database release), which JATS cites as data."""
    database = evidence.get("database") or {}
    key = database.get("citation_key")
    return {key: str(database.get("release", ""))} if key and database.get("release") else {}


@stage
def jats(*, ast: str, evidence: str, defaults: str, template: str, figures: str, variables: str, out: str,
         log: str) -> None:
    """The article's syntax tree -> review.jats.xml with pandoc's JATS writer (*defaults*:
    ``pandoc/jats.yaml``; *template*: ``jats/template.xml``): the body with its citations as links to the
    references, the front matter from the review metadata, and the reference list in the article's order,
    each entry an ``<element-citation>`` that pandoc makes from its CSL item (see
    :func:`livingreview.jats.with_bibliography` and :func:`livingreview.csl.references_meta`), finished by
    :func:`livingreview.jats.finish` (labels, text alternatives of the figures of the staged release, folder
    *figures*, links to figures and tables, the abstract, publication types)."""
    data = read_json(evidence)
    tree, order = with_bibliography(read_json(ast))
    tree["meta"] |= references_meta([Reference.from_dict(data["references"][key]) for key in order])
    review, cited_data = data["review"], data_citations(data)
    del data
    pandoc.write_defaults(variables, template, {"jats-front": front(review),
                                                "jats-lang": html_escaping.escape(review.get("language", "en"))})
    document = pandoc.ast_text(article_parts(tree, funded=bool(review.get("funding"))))
    del tree  # pandoc gets the article's only copy (see pandoc.ast_text)
    written = pandoc.write_ast(document, "jats", [defaults, variables], ast)
    del document
    write_atomic(out, finish(written, review, figure_alternatives(figures), cited_data))
    write_log(log, f"pandoc {pandoc.version()}: {shown_path(ast)} -> {shown_path(out)}, {len(order)} references")
