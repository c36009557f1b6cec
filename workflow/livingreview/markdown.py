"""Make text from data safe to place in Pandoc Markdown.

Everything an author writes in a data file is data: it must come out of every
format character for character and never be read as Markdown, HTML, Typst,
LaTeX or Jinja syntax. Pandoc lets any ASCII punctuation be escaped with a
backslash, so :func:`escape_markdown` escapes every character that Pandoc's
Markdown reader could give a meaning to; Pandoc's HTML and Typst writers then
escape what is special in their own syntax.
"""

from __future__ import annotations

import re

# Characters that have a meaning anywhere in a line of Pandoc Markdown:
# emphasis, code, links and spans, attributes, raw HTML, math, citations,
# super/subscript, strikeout, table cells.
_INLINE_SPECIAL = re.compile(r"([\\`*_{}\[\]<>~^$@|])")
# "&" starts an entity only when it looks like one ("&amp;", "&#38;").
_ENTITY = re.compile(r"&(?=#?\w+;)")
# At the start of a block, a leading marker makes an ordered list ("1. ",
# "a) ", "iv. ", "IV. ", "(2) "). A single capital letter with a period and
# one space is not a list marker in Pandoc, so initials ("B. Johnsen") stay
# as they are.
_LIST_MARKER = re.compile(r"^(\(?)(\d+|[a-z]+|[A-Z]{2,}|[A-Z](?=\)))([.)])(?=\s|$)")
# ... and any leading punctuation may start another block: a bullet list,
# heading, block quote, definition, horizontal rule ("---", "***"), fenced
# div (":::") or code block. Escaped, each renders as itself.
_BLOCK_START = re.compile(r"^([!-/:-@\[-`{-~])")
_SPACE_RUNS = re.compile(r"[ \t\r\n]+")


def normalize_space(text: str) -> str:
    """Collapse runs of white space (including line breaks) to one space."""
    return _SPACE_RUNS.sub(" ", text).strip()


def escape_inline(text: str) -> str:
    """Return *text* as Pandoc Markdown that renders to exactly *text* inside a
    line (not at the start of a block; there use :func:`escape_markdown`)."""
    text = normalize_space(str(text))
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    return _ENTITY.sub(r"\\&", text)


def escape_markdown(text: str) -> str:
    """Return *text* as Pandoc Markdown that renders to exactly *text*, wherever it is placed.

    White space is normalised first: a finding is one run of prose, and a
    line break inside a CSV cell must not start a new Markdown block.
    """
    text = escape_inline(text)
    text = _LIST_MARKER.sub(r"\1\2\\\3", text)
    if text.startswith("\\"):  # already escaped by the inline rule
        return text
    return _BLOCK_START.sub(r"\\\1", text)


# Words that may open an author's sentence and are lower-cased after a
# transition ("Finally, a comprehensive analysis ..."). Any other first word
# may be a proper noun or an acronym ("Norwegian registry data", "CBT") and
# keeps its capital.
_LOWERABLE = frozenset(
    "a an the this that these those one another such some several many most each both "
    "in on for with across among after before by from research researchers recent "
    "evidence studies study investigators authors work".split()
)


def lower_first(text: str) -> str:
    """Lower-case the first letter of *text* when its first word is a common opener.

    Used when a transition ("Finally, ") is put in front of an author's
    sentence: "A comprehensive analysis" becomes "a comprehensive analysis",
    while "CBT was compared" and "Norwegian registry data" keep their capitals.
    """
    first_word = text.split(" ", 1)[0] if text else ""
    if first_word.lower().strip(",;:") not in _LOWERABLE:
        return text
    return text[0].lower() + text[1:]
