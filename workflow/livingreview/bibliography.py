"""Read ``references.bib`` with bibtexparser v2 into plain, checked records.

bibtexparser's own middlewares resolve @string macros, strip enclosing
braces and quotes, split author lists and name parts; LaTeX accents and
macros are then decoded to Unicode (``M{\\"u}ller`` -> ``Müller``), for
names part by part. Blocks the parser could not read are never ignored:
each becomes a :class:`BibliographyError` naming the line and the key.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, ParsingFailedBlock
from pylatexenc.latex2text import LatexNodes2Text

from .errors import BibliographyError
from .records import Name, Reference

# bibtexparser logs its own copy of every syntax error; ours names the key too.
logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)

_LATEX = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)
_NAME_FIELDS = ("author", "editor")


def decode_latex(text: str) -> str:
    """Decode LaTeX accents, macros and braces to Unicode, keeping math as written."""
    if "\\" not in text and "{" not in text and "~" not in text:
        return text
    decoded = _LATEX.latex_to_text(text)
    return decoded.replace("\u00a0", " ")


def _join(parts: list[str]) -> str:
    return decode_latex(" ".join(parts)).strip()


def _name(parts: middlewares.NameParts) -> Name:
    return Name(family=_join(parts.last), given=_join(parts.first), von=_join(parts.von), suffix=_join(parts.jr))


def _failed_block_error(path: str, block) -> BibliographyError:
    line = (block.start_line or 0) + 1
    raw_head = block.raw.strip().splitlines()[0][:80] if block.raw.strip() else ""
    key_match = re.match(r"@\w+\s*[{(]\s*([^,\s]+)", block.raw.strip())
    key = getattr(block, "key", None) or (key_match.group(1) if key_match else "?")
    if isinstance(block, DuplicateBlockKeyBlock):
        return BibliographyError(
            path, f"line {line}, key {key}", f'the key "{key}" is used by more than one entry',
            "give each entry its own key, or delete the duplicate entry",
        )
    if isinstance(block, DuplicateFieldKeyBlock):
        dup = re.search(r"'([^']+)'", str(block.error))
        name = dup.group(1) if dup else "a field"
        return BibliographyError(
            path, f"line {line}, key {key}", f'entry "{key}" has the field "{name}" more than once',
            f'keep one "{name}" field in entry "{key}"',
        )
    reason = str(getattr(block, "error", "")).strip().splitlines()
    return BibliographyError(
        path, f"line {line}, key {key}",
        f"BibTeX syntax error in the block starting `{raw_head}`"
        + (f" ({reason[-1].strip()})" if reason else ""),
        "check that braces and quotes are balanced and that fields are separated by commas",
    )


def parse_bibliography(text: str, path: str = "references.bib") -> dict[str, Reference]:
    """Parse BibTeX *text* into references keyed by citation key.

    Raises :class:`BibliographyError` for the first block that could not be
    parsed (syntax error, duplicate key, duplicate field), naming its line.
    """
    library = bibtexparser.parse_string(
        text,
        append_middleware=[middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()],
    )
    if library.failed_blocks:
        raise _failed_block_error(path, library.failed_blocks[0])
    references: dict[str, Reference] = {}
    for entry in library.entries:
        ref = Reference(key=entry.key, entry_type=entry.entry_type.lower(), line=entry.start_line + 1)
        for fld in entry.fields:
            name = fld.key.lower()
            if name in _NAME_FIELDS:
                names = [_name(p) for p in fld.value]
                if name == "author":
                    ref.authors = names
                else:
                    ref.editors = names
            else:
                ref.fields[name] = decode_latex(str(fld.value)).strip()
        references[ref.key] = ref
    return references


def read_bibliography(path: str | Path) -> dict[str, Reference]:
    """Read and parse the BibTeX file at *path* (UTF-8, BOM and CRLF accepted)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BibliographyError(str(path), None, "the bibliography file does not exist",
                                "create it, or set `bibliography` in config/config.yaml") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BibliographyError(str(path), f"line {line}", "the file is not valid UTF-8",
                                "save the file as UTF-8 (most editors offer it under 'Save as')") from None
    text = text.replace("\r\n", "\n")
    if not text.strip():
        raise BibliographyError(str(path), None, "the bibliography is empty",
                                "add one BibTeX entry per study in the dataset")
    return parse_bibliography(text, str(path))
