"""CSL (Citation Style Language): our bibliography entries as CSL items, and CSL style files.

A review's references may be formatted by any CSL style, through pandoc's
citeproc (``reference_style: path/to/style.csl``), and the JATS XML always
takes its structured ``<element-citation>`` from CSL items. Those items are
made here from the entries :mod:`livingreview.bibtex` read, so that LaTeX
decoding and the splitting of names stay ours. They reach pandoc as a
metadata file (``references:``) in which every text is escaped for Markdown
(pandoc reads metadata as Markdown), so that a title is never read as
markup. Titles are put in sentence case, as CSL expects its input (styles
that want title case capitalise them), keeping the words the BibTeX entry
protected with braces and words with capitals inside (``SSRIs``, ``McDonald``).

The styles come from the CSL project (https://citationstyles.org/); a style
file is checked before any build uses it (:func:`check_style_file`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from .errors import BibliographyError, ConfigError, did_you_mean
from .files import near_file, pandoc_yaml
from .markdown import escape_markdown
from .records import Name, Reference

CSL_NAMESPACE = "http://purl.org/net/xbiblio/csl"

# BibTeX and biblatex entry types -> CSL item types (anything else is a "document").
CSL_TYPES = {
    "article": "article-journal", "book": "book", "mvbook": "book", "inbook": "chapter", "bookinbook": "chapter",
    "incollection": "chapter", "inproceedings": "paper-conference", "conference": "paper-conference",
    "proceedings": "book", "collection": "book", "phdthesis": "thesis", "mastersthesis": "thesis",
    "thesis": "thesis", "techreport": "report", "report": "report", "manual": "report", "booklet": "pamphlet",
    "unpublished": "manuscript", "online": "webpage", "patent": "patent", "periodical": "periodical",
    "dataset": "dataset", "software": "software",
}
# BibTeX fields -> CSL variables, copied as text.
CSL_TEXT_FIELDS = {
    "volume": "volume", "edition": "edition", "doi": "DOI", "url": "URL", "isbn": "ISBN", "issn": "ISSN",
    "publisher": "publisher", "address": "publisher-place", "location": "publisher-place", "note": "note",
    "series": "collection-title", "chapter": "chapter-number", "shortjournal": "container-title-short",
    "language": "language", "type": "genre",
}
# Fields that name the publisher of a thesis or a report.
_PUBLISHER_FIELDS = ("publisher", "school", "institution", "organization")
_MONTHS = {name: number for number, name in enumerate(
    "january february march april may june july august september october november december".split(), start=1)}
_THESIS_GENRES = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}


_PAGE_DASH = re.compile(r"\s*(?:--|–|—|-)\s*")


def page_range(pages: str) -> str:
    """Normalise a page range to a hyphen: "112--125" or "112–125" -> "112-125"."""
    return _PAGE_DASH.sub("-", str(pages).strip())


def first_and_last_page(pages: str) -> tuple[str, str]:
    """("112", "125") for "112--125"; ("e12", "") for a single page; ("", "") for none."""
    first, _, last = page_range(pages).partition("-")
    return first, last


# The fields every built-in style prints, by entry type (any type: title and year): an entry that lacks
# one would be printed without it, so the build stops and names it (a CSL file of the review's own prints
# what its entries have, as citeproc does).
_REQUIRED_FIELDS = {"article": ("journal",), "book": ("publisher",), "mvbook": ("publisher",),
                    "incollection": ("booktitle",), "inproceedings": ("booktitle",), "inbook": ("booktitle",)}


def missing_fields(ref: Reference, style: str, bib_path: str) -> list[BibliographyError]:
    """A problem for each field the built-in reference *style* prints that the entry *ref* lacks: its title,
    its year (or biblatex date), and by type its journal, publisher or book title."""
    needed = ("title", "year", *_REQUIRED_FIELDS.get(ref.entry_type, ()))
    present = {name for name, value in ref.fields.items() if str(value).strip()}
    if "date" in present:
        present.add("year")
    return [BibliographyError(
        bib_path, f"line {ref.line}, key {ref.key}, field {name}",
        f'the entry (@{ref.entry_type}) lacks the field "{name}" that the reference style "{style}" needs.'
        + did_you_mean(name, ref.fields), f'add `{name} = {{...}}` to the entry "{ref.key}"', line=ref.line)
        for name in needed if name not in present]


def is_csl_style(style: str) -> bool:
    """True when *style* names a CSL style file (a path ending in ``.csl``) rather than a built-in style."""
    return str(style).lower().endswith(".csl")


# --- titles in sentence case -------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SENTENCE_END = re.compile(r"[.:?!]\s+$")
_SUBTITLE = re.compile(r":\s+$")


def sentence_case(title: str, protected: list[str] = ()) -> str:
    """*title* in sentence case, as CSL expects titles (styles that want title case capitalise them).

    Each capitalised word is lower-cased, except the first word, a word
    after ``.?!`` (a new sentence, or "vs."), a word with a capital inside
    (``SSRIs``) and the texts in *protected* (the entry's brace groups, in
    order); the first word after a colon (a subtitle) is capitalised. Parts
    of hyphenated words count as words. This follows pandoc's reading of BibTeX.
    """
    keep = [False] * len(title)
    position = 0
    for text in protected:
        found = re.compile(r"(?<!\w)" + re.escape(text) + r"(?!\w)").search(title, position) if text.strip() else None
        if found:
            keep[found.start():found.end()] = [True] * (found.end() - found.start())
            position = found.end()
    out, last = [], 0
    for match in _WORD.finditer(title):
        word, start = match.group(), match.start()
        before = title[:start]
        whole_word = not before.endswith("-")
        kept = any(keep[start:match.end()])
        if not kept and whole_word and _SUBTITLE.search(before) and word[:1].islower():
            word = word[:1].upper() + word[1:]
        elif not kept and word[:1].isupper() and (len(word) == 1 or word[1:].islower()):
            opening = not before.strip() or bool(_SENTENCE_END.search(before))
            if not (opening and whole_word):
                word = word.lower()
        out.append(title[last:start] + word)
        last = match.end()
    return "".join(out) + title[last:]


# --- CSL items -------------------------------------------------------------------------

_RUN_TOGETHER_INITIALS = re.compile(r"(?<!\S)([A-Z]{2,3})(?!\S)")


def given_names(given: str) -> str:
    """*given* names as CSL reads them: initials run together after a given name, a habit of Google Scholar
    exports ("John PA"), written apart ("John P. A."), so that a style initialises each."""
    if " " not in given.strip():
        return given
    return _RUN_TOGETHER_INITIALS.sub(lambda match: " ".join(f"{letter}." for letter in match.group(1)), given)


def csl_name(name: Name) -> dict[str, str]:
    """A CSL name; a body (a name of several words with no given name, e.g. ``{World Health Organization}``)
    is a literal."""
    if not name.given and not name.von and " " in name.family:
        return {"literal": name.family}
    parts = {"family": name.family, "given": given_names(name.given), "non-dropping-particle": name.von,
             "suffix": name.suffix}
    return {key: value for key, value in parts.items() if value}


def csl_date(fields: dict[str, str]) -> dict | None:
    """CSL ``issued``: from biblatex ``date`` (2023-05-17), else ``year`` (and ``month``); a year that is
    not a number ("in press") is kept as a literal."""
    date = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", fields.get("date", "").strip())
    if date:
        return {"date-parts": [[int(part) for part in date.groups() if part]]}
    year = fields.get("year", "").strip()
    if not year:
        return None
    if not re.fullmatch(r"\d{1,4}", year):
        return {"literal": year}
    parts = [int(year)]
    month = fields.get("month", "").strip().lower()
    number = int(month) if month.isdigit() else next(
        (n for name, n in _MONTHS.items() if len(month) >= 3 and name.startswith(month[:3])), None)
    if number and 1 <= number <= 12:
        parts.append(number)
    return {"date-parts": [parts]}


# How BibTeX's "and others" (more authors, unnamed) reaches citeproc in the article's references: a last
# name that is this literal, which a style prints as it prints a name, or leaves out with the names it
# shortens to "et al." (the seed style: "F. W. Boele, et al.").
OTHERS = {"literal": "et al."}


# A quotation within a title: straight or curly double quotes around it, in pairs.
_QUOTATION = re.compile(r'"([^"]+)"|“([^”]+)”')


def nested_quotes(title: str) -> str:
    """*title* with each quotation within it in single quotes (‘…’): the styles set an article's title in
    double quotes, so that a title that quotes (``"Take Care of You" - Efficacy of ...``) would print two
    double quotes in a row (``""Take Care of You" - ...``); nested quotes are single. A quote without its
    pair stays as typed."""
    return _QUOTATION.sub(lambda m: f"‘{m.group(1) or m.group(2)}’", title)


def csl_item(ref: Reference, in_sentence_case: bool = True, others: dict | None = None) -> dict:
    """The CSL item (CSL-JSON data, plain text) of one bibliography entry; its title in sentence case
    unless *in_sentence_case* is false; a name list that ends with BibTeX's ``and others`` gets the
    name *others* last (CSL data has no way to say "et al."; None: the named people only)."""
    fields = ref.fields
    item: dict = {"id": ref.key, "type": CSL_TYPES.get(ref.entry_type, "document")}
    title = fields.get("title", "")
    if title:
        subtitle = fields.get("subtitle", "")
        full = f"{title}: {subtitle}" if subtitle else title
        protected = ref.protected.get("title", []) + ref.protected.get("subtitle", [])
        item["title"] = nested_quotes(sentence_case(full, protected) if in_sentence_case else full)
    container = fields.get("journal") if ref.entry_type == "article" else fields.get("booktitle")
    if container:
        item["container-title"] = container
    if fields.get("number"):
        item["issue" if ref.entry_type == "article" else "number"] = fields["number"]
    if fields.get("pages"):
        item["page"] = page_range(fields["pages"])
    for name, variable in CSL_TEXT_FIELDS.items():
        if fields.get(name) and variable not in item:
            item[variable] = fields[name]
    publisher = next((fields[name] for name in _PUBLISHER_FIELDS if fields.get(name)), None)
    if publisher:
        item["publisher"] = publisher
    if ref.entry_type in _THESIS_GENRES and "genre" not in item:
        item["genre"] = _THESIS_GENRES[ref.entry_type]
    for variable, names in (("author", ref.authors), ("editor", ref.editors)):
        named = [csl_name(name) for name in names if not name.is_others]
        if named and others and any(name.is_others for name in names):
            named.append(dict(others))
        if named:
            item[variable] = named
    issued = csl_date(fields)
    if issued:
        item["issued"] = issued
    return item


def _escaped(value):
    """*value* with every text escaped for pandoc's Markdown (numbers stay numbers)."""
    if isinstance(value, dict):
        return {key: _escaped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_escaped(item) for item in value]
    return escape_markdown(value) if isinstance(value, str) else value


def references_metadata(references: list[Reference], in_sentence_case: bool = True, others: dict | None = None) -> str:
    """A pandoc metadata file (YAML) holding the CSL items of *references* under ``references:``, in order
    (titles in sentence case unless *in_sentence_case* is false; ``and others`` as the name *others*, see
    :func:`others_name`), for pandoc's citeproc: :func:`metadata_file` of :func:`csl_references`."""
    return metadata_file(csl_references(references, in_sentence_case, others))


def csl_references(references: list[Reference], in_sentence_case: bool = True, others: dict | None = None) -> dict:
    """The metadata ``{"references": [CSL items]}`` of :func:`references_metadata`.

    Pandoc reads metadata values as Markdown: every text is escaped, so
    that it reaches the formatted reference character for character.
    """
    return {"references": [_escaped(csl_item(ref, in_sentence_case, others)) for ref in references]}


def metadata_file(metadata: dict) -> str:
    """The pandoc metadata file (YAML) of *metadata*."""
    return pandoc_yaml(metadata)


def _meta_value(value) -> dict:
    """*value* (texts, numbers, lists, mappings) as a pandoc metadata value (its JSON); a text is a
    ``MetaString``, which pandoc takes literally, never as Markdown."""
    if isinstance(value, dict):
        return {"t": "MetaMap", "c": {key: _meta_value(item) for key, item in value.items()}}
    if isinstance(value, list):
        return {"t": "MetaList", "c": [_meta_value(item) for item in value]}
    if isinstance(value, bool):
        return {"t": "MetaBool", "c": value}
    return {"t": "MetaString", "c": str(value)}


# ``nocite: '@*'`` as pandoc reads it: every entry of ``references`` counts as cited.
_NOCITE_ALL = {"t": "MetaInlines", "c": [{"t": "Cite", "c": [
    [{"citationId": "*", "citationPrefix": [], "citationSuffix": [], "citationMode": {"t": "NormalCitation"},
      "citationNoteNum": 1, "citationHash": 0}],
    [{"t": "Str", "c": "@*"}]]}]}


def references_meta(references: list[Reference]) -> dict[str, dict]:
    """The CSL items of *references* as the metadata of a pandoc syntax tree: ``references`` (in order,
    titles as the bibliography has them) and ``nocite: '@*'`` (every one counts as cited, so that pandoc
    lists them all without running citeproc). Texts are taken literally, as in :func:`references_metadata`."""
    return {"nocite": _NOCITE_ALL,
            "references": _meta_value([csl_item(ref, in_sentence_case=False) for ref in references])}


# --- style files --------------------------------------------------------------------------

def _style_error(path: str, problem: str, fix: str, line: int | None = None) -> ConfigError:
    return ConfigError(path, f"line {line}" if line else None, problem, fix, line=line)


_FIX_DOWNLOAD = ("download the style again from the CSL styles repository (https://github.com/citation-style-language/"
                 "styles), or choose a built-in style: seed, vancouver, apa")


def check_style_file(path: str, allowed_roots: list[Path]) -> None:
    """Raise :class:`ConfigError` unless *path* is a CSL style that pandoc can use to format the references.

    The file must exist, be readable, lie inside one of *allowed_roots* (the
    review folder or the pipeline: a release built with a style from
    elsewhere could not be verified), be well-formed XML whose root is a CSL
    ``<style>``, and be an independent style (a dependent style only names
    its parent, which pandoc cannot fetch).
    """
    file = Path(path)
    if not file.is_file():
        kind = "a folder, not a file" if file.is_dir() else "does not exist." + near_file(file)
        raise _style_error(path, f"the CSL style file (config key reference_style) {kind}",
                           "check the path (relative to the review folder), or choose a built-in style: "
                           "seed, vancouver, apa")
    resolved = file.resolve()
    if not any(resolved == root.resolve() or root.resolve() in resolved.parents for root in allowed_roots):
        raise _style_error(path, "the CSL style file is outside the project: a release built with it could not be "
                           "verified from the repository",
                           "copy the style into the review folder (e.g. styles/NAME.csl), commit it and give that path")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise _style_error(path, f"the CSL style file cannot be read ({exc.strerror})",
                           "make the file readable (chmod u+r FILE)") from None
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise _style_error(path, f"the CSL style file is not well-formed XML ({exc})", _FIX_DOWNLOAD, line) from None
    if root.tag != f"{{{CSL_NAMESPACE}}}style":
        raise _style_error(path, f"the file is not a CSL style: its root element is <{root.tag.split('}')[-1]}>, "
                           f"not <style> in the CSL namespace ({CSL_NAMESPACE})", _FIX_DOWNLOAD)
    parent = root.find(f"{{{CSL_NAMESPACE}}}info/{{{CSL_NAMESPACE}}}link[@rel='independent-parent']")
    if root.find(f"{{{CSL_NAMESPACE}}}citation") is None:
        if parent is not None:
            raise _style_error(path, "this is a dependent CSL style: it only names its parent style "
                               f"({parent.get('href')}), whose rules pandoc would have to fetch",
                               "download the parent style named there and give its path instead")
        raise _style_error(path, "the CSL style has no <citation> element, so it cannot format citations",
                           _FIX_DOWNLOAD)


def others_name(path: str | Path) -> dict | None:
    """How BibTeX's ``and others`` reaches citeproc for the CSL style at *path*: :data:`OTHERS` (a last
    name "et al.") unless the style joins the last name with "and" or "&" (a ``name`` element or an
    inherited option ``and``: APA would print "& et al."), then None (the named people only)."""
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError):
        return None
    joined = any(element.get("and") for element in root.iter()
                 if element.tag in (f"{{{CSL_NAMESPACE}}}{tag}" for tag in ("style", "citation", "bibliography",
                                                                            "name")))
    return None if joined else dict(OTHERS)


def style_title(path: str | Path) -> str:
    """The title a CSL style file gives itself (``<info><title>``), or its file name."""
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError):
        return Path(path).name
    title = root.find(f"{{{CSL_NAMESPACE}}}info/{{{CSL_NAMESPACE}}}title")
    return title.text.strip() if title is not None and title.text else Path(path).name
