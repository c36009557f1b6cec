"""Word files (DOCX) with the same bytes from every build.

A DOCX file is a zip package. Pandoc dates its members, and the document's
creation and modification dates (``docProps/core.xml``), with the clock, or
with ``SOURCE_DATE_EPOCH`` when that environment variable is set; setting a
variable of the build's own process is not safe while other jobs run in its
threads, and would still leave the bytes to pandoc's zip writer. So the
package is rewritten instead: its members in a fixed order
(``[Content_Types].xml`` first, then by name), each dated by the review's
publication date and stored uncompressed (compressed bytes would depend on
the zlib library of the machine), and the document dated by that day too.

The document properties are written here as well, from the review metadata: pandoc copies
``docProps/app.xml`` from its reference document, whose word, line and page counts, editing time and
application ("Microsoft Word 12.0") describe that document, not this one; so the package's
``docProps/app.xml`` names only the application that wrote it (:func:`app_properties`), and its
``docProps/core.xml`` holds the given properties (:func:`core_properties`).

On the way, line numbers and page numbers may be added (:func:`with_numbering`;
config ``docx_line_numbers``, ``docx_page_numbers``), which pandoc's Word
writer cannot make without a reference document.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from xml.sax.saxutils import escape

CONTENT_TYPES = "[Content_Types].xml"
CORE_PROPERTIES = "docProps/core.xml"
APP_PROPERTIES = "docProps/app.xml"
_CORE_NAMESPACES = {"cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
                    "dc": "http://purl.org/dc/elements/1.1/", "dcterms": "http://purl.org/dc/terms/",
                    "dcmitype": "http://purl.org/dc/dcmitype/", "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
_APP_NAMESPACES = {"": "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
                   "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"}


def member_order(names: list[str]) -> list[str]:
    """The package's members in a fixed order: the content types first (as Office writes them), then by name."""
    return sorted(names, key=lambda name: (name != CONTENT_TYPES, name))


def _properties_part(root: str, namespaces: dict[str, str], elements: list[tuple[str, str, str]]) -> bytes:
    """A properties part: the element *root* declaring *namespaces* and holding *elements* (name,
    attributes as written, text), the text escaped."""
    declared = "".join(f' xmlns{":" + prefix if prefix else ""}="{uri}"' for prefix, uri in namespaces.items())
    children = "".join(f"<{name}{attributes}>{escape(text)}</{name}>" for name, attributes, text in elements)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}{declared}>{children}</{root}>'.encode()


def core_properties(properties: dict[str, str], when: dt.datetime) -> bytes:
    """``docProps/core.xml``: the *properties* (by element name, e.g. ``dc:title``, ``cp:version``; an
    empty one is left out) and the creation and modification dates *when* (UTC)."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    dates = [(name, ' xsi:type="dcterms:W3CDTF"', stamp) for name in ("dcterms:created", "dcterms:modified")]
    return _properties_part("cp:coreProperties", _CORE_NAMESPACES,
                            [(name, "", text) for name, text in properties.items() if text] + dates)


def app_properties(application: str | None) -> bytes:
    """``docProps/app.xml``: the *application* that wrote the package, and nothing that only the
    application showing the document could know (counts of pages, words and lines, editing time)."""
    return _properties_part("Properties", _APP_NAMESPACES, [("Application", "", application)] if application else [])


STYLES = "word/styles.xml"
# The title block's paragraph styles of its own (livingreview.stages.formats.docx_front) by style id: name,
# size (half-points) and run properties. Pandoc defines a style it does not know as Body Text; these are
# centred below the title as pandoc's Author style is (they are based on it), in smaller type.
TITLE_BLOCK_STYLES = {"ArticleType": ("Article Type", 18, "<w:caps />"), "Affiliation": ("Affiliation", 20, ""),
                      "JournalLine": ("Journal Line", 18, "")}
_NEW_STYLE = re.compile(rb'<w:style w:type="paragraph" w:customStyle="1" w:styleId="([A-Za-z]+)">.*?</w:style>',
                        re.DOTALL)


def with_title_block_styles(styles: bytes) -> bytes:
    """``word/styles.xml`` with pandoc's definitions of the :data:`TITLE_BLOCK_STYLES` replaced by theirs."""
    def restyled(match: re.Match) -> bytes:
        style = match.group(1).decode("ascii")
        if style not in TITLE_BLOCK_STYLES:
            return match.group(0)
        name, size, run = TITLE_BLOCK_STYLES[style]
        return (f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{style}"><w:name w:val="{name}" />'
                '<w:basedOn w:val="Author" /><w:next w:val="BodyText" /><w:qFormat />'
                f'<w:rPr>{run}<w:sz w:val="{size}" /><w:szCs w:val="{size}" /></w:rPr></w:style>').encode("ascii")

    return _NEW_STYLE.sub(restyled, styles)


def deterministic_docx(data: bytes, when: dt.datetime, properties: dict[str, str] | None = None,
                       application: str | None = None, line_numbers: bool = False,
                       page_numbers: bool = False) -> bytes:
    """The DOCX package *data* rewritten so that its bytes depend on its contents, *when*, *properties*
    and *application* only: its core properties *properties*, dated *when* (:func:`core_properties`),
    its application *application* (:func:`app_properties`), its title block's styles
    (:func:`with_title_block_styles`), with line and page numbers as
    :func:`with_numbering` adds them.

    One member at a time is read, changed and written: besides *data* and the result, only the document's
    part is held twice (as pandoc wrote it and numbered), never the whole package."""
    source = zipfile.ZipFile(io.BytesIO(data))
    changed = numbering_changes(source.read, line_numbers, page_numbers) | {
        CORE_PROPERTIES: core_properties(properties or {}, when), APP_PROPERTIES: app_properties(application)}
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as package:
        for name in member_order(list(dict.fromkeys([*source.namelist(), *changed]))):
            content = changed.pop(name) if name in changed else source.read(name)
            if name == STYLES:
                content = with_title_block_styles(content)
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # Unix, whatever the machine
            info.external_attr = 0o644 << 16
            package.writestr(info, content)
            del content
    return target.getvalue()


# --- line and page numbers, as submission systems ask ------------------------------------

DOCUMENT = "word/document.xml"
RELATIONSHIPS = "word/_rels/document.xml.rels"
FOOTER = "word/footer-page-number.xml"
FOOTER_ID = "rIdPageNumberFooter"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# The page number, centred, as a PAGE field (Word and LibreOffice show the number of each page).
FOOTER_XML = (f'<?xml version="1.0" encoding="UTF-8"?><w:ftr xmlns:w="{_W}"><w:p><w:pPr><w:jc w:val="center"/></w:pPr>'
              '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText>'
              '</w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r>'
              '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:ftr>').encode()
# Line numbers in the margin, every line, continuous through the document.
LINE_NUMBERS = b'<w:lnNumType w:countBy="1" w:restart="continuous"/>'
# sectPr's children that come after lnNumType (ECMA-376 order): it is put before the first of them.
_AFTER_LINE_NUMBERS = re.compile(rb"<w:(pgNumType|cols|formProt|vAlign|noEndnote|titlePg|textDirection|bidi|rtlGutter|"
                                 rb"docGrid|printerSettings|sectPrChange)\b")


def with_numbering(data: bytes, line_numbers: bool, page_numbers: bool) -> bytes:
    """The DOCX package *data* (as pandoc writes it) with line numbers in the margin and/or page numbers in a
    footer (a part of its own) in the document's last section, as journals' submission systems ask."""
    if not (line_numbers or page_numbers):
        return data
    source = zipfile.ZipFile(io.BytesIO(data))
    changed = numbering_changes(source.read, line_numbers, page_numbers)
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as package:
        for name in dict.fromkeys([*source.namelist(), *changed]):
            package.writestr(name, changed[name] if name in changed else source.read(name))
    return target.getvalue()


def numbering_changes(read, line_numbers: bool, page_numbers: bool) -> dict[str, bytes]:
    """The members of a DOCX package that line numbers and/or page numbers change or add (see
    :func:`with_numbering`), by name; *read* returns a member of the package as pandoc wrote it."""
    if not (line_numbers or page_numbers):
        return {}
    document = read(DOCUMENT)
    start = document.rindex(b"<w:sectPr")
    opening_end = document.index(b">", start) + 1
    end = document.index(b"</w:sectPr>", start)
    section = document[opening_end:end]
    changed = {}
    if page_numbers:
        section = f'<w:footerReference w:type="default" r:id="{FOOTER_ID}"/>'.encode("ascii") + section
        changed[RELATIONSHIPS] = read(RELATIONSHIPS).replace(
            b"</Relationships>", f'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/footer" Id="{FOOTER_ID}" Target="{FOOTER.removeprefix("word/")}" /></Relationships>'
            .encode("ascii"))
        changed[CONTENT_TYPES] = read(CONTENT_TYPES).replace(
            b"</Types>", f'<Override PartName="/{FOOTER}" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.footer+xml" /></Types>'.encode("ascii"))
    if line_numbers:
        later = _AFTER_LINE_NUMBERS.search(section)
        at = later.start() if later else len(section)
        section = section[:at] + LINE_NUMBERS + section[at:]
    changed[DOCUMENT] = document[:opening_end] + section + document[end:]
    if page_numbers:
        changed[FOOTER] = FOOTER_XML
    return changed
