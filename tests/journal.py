"""Reading the journal formats in the tests: the text of a DOCX (python-docx) and a JATS file (lxml)."""

from __future__ import annotations

from pathlib import Path

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

XLINK = "{http://www.w3.org/1999/xlink}"


def docx_blocks(path: Path) -> list[str]:
    """The DOCX body in reading order: each paragraph's text, and each table row as "a | b | c"."""
    document = docx.Document(str(path))
    blocks = []
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            blocks.append(Paragraph(child, document).text)
        elif child.tag.endswith("}tbl"):
            blocks += [" | ".join(cell.text for cell in row.cells) for row in Table(child, document).rows]
    return blocks


def docx_text(path: Path) -> str:
    """The DOCX body as text, one block per line."""
    return "\n".join(docx_blocks(path))


def read_jats(path: Path) -> etree._ElementTree:
    """A JATS file parsed as it is (its DTD neither loaded nor fetched)."""
    parser = etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False)
    return etree.parse(str(path), parser)


def text_of(element) -> str:
    """An element's text content, white space collapsed."""
    return " ".join("".join(element.itertext()).split())


def jats_body_text(tree: etree._ElementTree) -> str:
    """The body of a JATS article as text: each section's title, then each paragraph, one per line."""
    lines = []
    for section in tree.getroot().find("body").iter("sec"):
        lines.append(text_of(section.find("title")))
        lines += [text_of(paragraph) for paragraph in section.findall("p")]
    return "\n".join(lines)
