"""Citations and references formatted by a CSL style with pandoc's citeproc.

The article is written once more with pandoc citations (``[@{key}]``, see
:func:`livingreview.csl.pandoc_citation`) in place of the citation markers,
and a placeholder for the bibliography (:data:`BIBLIOGRAPHY`) in place of the
reference list. Pandoc reads it with ``--citeproc``, a CSL style and the
cited entries as CSL items (a metadata file), and returns its syntax tree
with every citation and the bibliography formatted. This module takes from
that tree what the stages need: the bibliography entries, and the tree with
the bibliography turned into the article's own reference list (one
``.reference`` block per entry, as the built-in styles make it, so that the
HTML and PDF look the same whatever the style).
"""

from __future__ import annotations

import copy

from markupsafe import Markup

from . import pandoc
from .errors import ConfigError, ConversionError
from .pandoc import plain

# Where citeproc puts the bibliography (pandoc's ``refs`` div).
BIBLIOGRAPHY = Markup("::: {#refs}\n:::")
# Metadata the citeproc run adds to the article, which review.md does not keep.
CITEPROC_METADATA = ("references", "csl", "link-citations")
# Spans citeproc wraps around a numbered entry's number and text (second-field-align).
_ENTRY_SPANS = ("csl-left-margin", "csl-right-inline", "csl-indent", "csl-block")


def formatted_article(cited: str, style: str, references: str, defaults: str, options: str) -> dict:
    """The syntax tree of the *cited* article with its citations and bibliography formatted by pandoc's
    citeproc with the CSL *style* and the CSL items in *references* (a metadata file); *defaults* is the
    pandoc defaults file ``pandoc/citeproc.yaml``, and *options* the defaults file written here.
    A style citeproc cannot use is a :class:`ConfigError` naming the style file."""
    pandoc.write_options(options, {"csl": style, "metadata-files": [references]})
    try:
        return pandoc.read_ast(cited, [defaults, options])
    except ConversionError as exc:
        if "citeproc" not in exc.problem.lower() and ".csl" not in exc.problem:
            raise
        detail = exc.problem.removeprefix("pandoc failed: ")
        raise ConfigError(style, None, f"pandoc's citeproc cannot format with this CSL style: {detail}",
                          "use a valid CSL 1.0 style (https://citationstyles.org/), or a built-in style: "
                          "seed, vancouver, apa") from None


def _bibliography_div(blocks: list[dict]) -> int | None:
    """Index of the ``refs`` div among the top-level *blocks*."""
    return next((i for i, block in enumerate(blocks) if block["t"] == "Div" and block["c"][0][0] == "refs"), None)


def _unwrapped(inlines: list[dict]) -> list[dict]:
    """*inlines* with the layout spans of a numbered entry replaced by their contents."""
    out = []
    for node in inlines:
        if node["t"] == "Span" and set(node["c"][0][1]) & set(_ENTRY_SPANS):
            out += _unwrapped(node["c"][1])
        else:
            out.append(node)
    return out


def _entry_inlines(blocks: list[dict]) -> list[dict]:
    """The inlines of one bibliography entry (its paragraphs or layout divs joined by a space)."""
    inlines: list[dict] = []
    for block in blocks:
        if block["t"] in ("Para", "Plain"):
            part = _unwrapped(block["c"])
        elif block["t"] == "Div":
            part = _entry_inlines(block["c"][1])
        else:
            continue
        if inlines and part:
            inlines.append({"t": "Space"})
        inlines += part
    return inlines


def bibliography(ast: dict) -> dict[str, list[dict]]:
    """``{key: inlines}`` of every entry of the formatted bibliography in *ast*, in the style's order."""
    index = _bibliography_div(ast["blocks"])
    if index is None:
        return {}
    entries = {}
    for block in ast["blocks"][index]["c"][1]:
        identifier = block["c"][0][0] if block["t"] == "Div" else ""
        if identifier.startswith("ref-"):
            entries[identifier[len("ref-"):]] = _entry_inlines(block["c"][1])
    return entries


def entry_texts(ast: dict) -> dict[str, str]:
    """``{key: plain text}`` of every bibliography entry in *ast*."""
    return {key: " ".join(plain(inlines).split()) for key, inlines in bibliography(ast).items()}


def with_reference_list(ast: dict) -> dict:
    """A copy of *ast* whose bibliography is the article's reference list, one ``.reference`` div per
    entry (``#ref-KEY``, where the citations link), and without the metadata citeproc added."""
    result = copy.deepcopy(ast)
    index = _bibliography_div(result["blocks"])
    if index is not None:
        entries = [{"t": "Div", "c": [[f"ref-{key}", ["reference"], []], [{"t": "Para", "c": inlines}]]}
                   for key, inlines in bibliography(result).items()]
        result["blocks"][index:index + 1] = entries
    for name in CITEPROC_METADATA:
        result["meta"].pop(name, None)
    return result
