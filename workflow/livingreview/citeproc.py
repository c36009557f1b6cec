"""The article's citations and references, formatted by pandoc's citeproc with a CSL style.

The section templates write pandoc citations (``[@{key}]``, see
:func:`livingreview.citations.pandoc_citation`); the article is written with
them and with pandoc's bibliography placeholder (:data:`BIBLIOGRAPHY`).
Pandoc reads it with ``--citeproc``, a CSL style (a built-in one,
``templates/references/<name>.csl``, or the review's own) and the cited
entries as CSL items (a metadata file), and returns its syntax tree in which
every citation is still a ``Cite`` node that names its keys
(``citationId``) and holds the text the style made of it, and the
bibliography is a ``refs`` div of entries ``ref-<key>``. That tree is the
article (``review.json``); everything downstream reads the keys from it:

* :func:`cited_keys` and :func:`citations`: the keys of each citation, in
  document order; :func:`reference_keys`: the keys of the reference list.
* :func:`numbered_article`: the tree as the HTML, PDF and Word files show it,
  the journal's way: each citation its formatted text (no ``Cite`` wrapper),
  each entry of the reference list a ``.reference`` block anchored ``#ref-N``
  (N its place in the list), where the citations link.
* :func:`entry_inlines`: an entry's text without the number a numeric style
  sets in a field of its own (``second-field-align``).
"""

from __future__ import annotations

import re

from markupsafe import Markup

from . import pandoc
from .errors import ConfigError, ConversionError

# Where citeproc puts the bibliography (pandoc's ``refs`` div).
BIBLIOGRAPHY = Markup("::: {#refs}\n:::")
# Metadata the citeproc run adds to the article, which the article does not keep.
CITEPROC_METADATA = ("references", "csl", "link-citations")
# The span citeproc puts around an entry's number when the style aligns it (second-field-align), and
# the spans of the entry's other parts.
NUMBER_SPAN = "csl-left-margin"
# Spans of an entry that only carry citeproc's layout or case handling (``nocase``: text a style must not
# change the case of, e.g. a name list that ends with the literal "et al."), replaced by their contents.
_ENTRY_SPANS = frozenset((NUMBER_SPAN, "csl-right-inline", "csl-indent", "csl-block", "nocase"))
# An entry's identifier in citeproc's bibliography, and in the reference list of the formats.
ENTRY_PREFIX = "ref-"


def formatted_article(cited: str, style: str, references: str, defaults: list[str], options: str) -> dict:
    """The syntax tree of the *cited* article with its citations and bibliography formatted by pandoc's
    citeproc with the CSL *style* and the CSL items in *references* (a metadata file), without the
    metadata citeproc added; *defaults* are the pandoc defaults files (``pandoc/common.yaml``,
    ``pandoc/citeproc.yaml``), *options* the defaults file written here.
    A style citeproc cannot use is a :class:`ConfigError` naming the style file."""
    pandoc.write_options(options, {"csl": style, "metadata-files": [references]})
    try:
        tree = pandoc.read_ast(cited, [*defaults, options])
    except ConversionError as exc:
        if "citeproc" not in exc.problem.lower() and ".csl" not in exc.problem:
            raise
        detail = exc.problem.removeprefix("pandoc failed: ")
        raise ConfigError(style, None, f"pandoc's citeproc cannot format with this CSL style: {detail}",
                          "use a valid CSL 1.0 style (https://citationstyles.org/), or a built-in style: "
                          "seed, vancouver, apa") from None
    for name in CITEPROC_METADATA:
        tree["meta"].pop(name, None)
    return tree


# --- reading the tree --------------------------------------------------------------------

def walk(node, visit) -> None:
    """Call *visit* on every element (dict with ``t``) of *node* (any part of a syntax tree), in document
    order, each before its contents (which *visit* may change)."""
    if isinstance(node, list):
        for item in node:
            walk(item, visit)
    elif isinstance(node, dict):
        if "t" in node:
            visit(node)
        for value in node.values():
            if isinstance(value, (list, dict)):
                walk(value, visit)


def citations(tree: dict) -> list[list[str]]:
    """The keys of every citation (``Cite`` node) of the article's body, in document order."""
    found: list[list[str]] = []
    walk(tree["blocks"], lambda node: found.append(citation_keys(node)) if node["t"] == "Cite" else None)
    return found


def citations_joined(tree: dict) -> list[bool]:
    """For every citation of the article's body, in document order: whether citeproc set it against the
    text before it (a superscript style drops the space before a citation), not after a space."""
    joined: list[bool] = []

    def visit(node):
        """Note the citations of *node* (any part of the tree), in document order."""
        if isinstance(node, dict):
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for index, item in enumerate(node):
                if isinstance(item, dict) and item.get("t") == "Cite":
                    before = node[index - 1] if index else None
                    joined.append(isinstance(before, dict)
                                  and before.get("t") not in ("Space", "SoftBreak", "LineBreak"))
                    visit(item["c"][1])
                else:
                    visit(item)

    visit(tree["blocks"])
    return joined


def citation_keys(cite: dict) -> list[str]:
    """The keys a ``Cite`` node cites, in its order."""
    return [item["citationId"] for item in cite["c"][0]]


def cited_keys(tree: dict) -> list[str]:
    """The keys cited in the article, each once, in order of first citation."""
    return list(dict.fromkeys(key for keys in citations(tree) for key in keys))


def _bibliography_index(blocks: list[dict]) -> int | None:
    """Index of the ``refs`` div among the top-level *blocks*."""
    return next((i for i, block in enumerate(blocks) if block["t"] == "Div" and block["c"][0][0] == "refs"), None)


def bibliography(tree: dict) -> list[tuple[str, list[dict]]]:
    """``(key, blocks)`` of every entry of the formatted bibliography in *tree*, in the style's order."""
    index = _bibliography_index(tree["blocks"])
    if index is None:
        return []
    return [(block["c"][0][0][len(ENTRY_PREFIX):], block["c"][1]) for block in tree["blocks"][index]["c"][1]
            if block["t"] == "Div" and block["c"][0][0].startswith(ENTRY_PREFIX)]


def reference_keys(tree: dict) -> list[str]:
    """The keys of the article's reference list, in its order."""
    return [key for key, _ in bibliography(tree)]


def _unwrapped(inlines: list[dict], keep_number: bool) -> list[dict]:
    """*inlines* with the layout spans of an entry replaced by their contents (the number's span dropped
    unless *keep_number*)."""
    out = []
    for node in inlines:
        classes = node["c"][0][1] if node["t"] == "Span" else ()
        if NUMBER_SPAN in classes and not keep_number:
            continue
        if not _ENTRY_SPANS.isdisjoint(classes):
            out += _unwrapped(node["c"][1], keep_number)
        elif node["t"] == "Str" and not node["c"]:
            continue
        else:
            out.append(node)
    return out


def entry_inlines(blocks: list[dict], keep_number: bool = True) -> list[dict]:
    """The inlines of one bibliography entry (its paragraphs or layout divs joined by a space); without
    the number a numeric style sets apart (a ``csl-left-margin`` span) unless *keep_number*."""
    inlines: list[dict] = []
    for block in blocks:
        if block["t"] in ("Para", "Plain"):
            part = _unwrapped(block["c"], keep_number)
        elif block["t"] == "Div":
            part = entry_inlines(block["c"][1], keep_number)
        else:
            continue
        if inlines and part:
            inlines.append({"t": "Space"})
        inlines += part
    return inlines


def entry_texts(tree: dict) -> dict[str, str]:
    """``{key: plain text}`` of every bibliography entry in *tree* (numbers included)."""
    return {key: " ".join(pandoc.plain(entry_inlines(blocks)).split()) for key, blocks in bibliography(tree)}


# --- the article as the formats show it ----------------------------------------------------

def anchors(tree: dict) -> dict[str, str]:
    """``{key: anchor}`` of the reference list: ``ref-N``, N the entry's place in the list."""
    return {key: f"{ENTRY_PREFIX}{number}" for number, key in enumerate(reference_keys(tree), start=1)}


def _shown(node, targets: dict[str, str]):
    """*node* (any part of the tree) with each ``Cite`` replaced by its formatted text and each link to
    ``#ref-KEY`` pointed at ``#ANCHOR`` (*targets*: key -> anchor)."""
    if isinstance(node, list):
        out = []
        for item in node:
            if isinstance(item, dict) and item.get("t") == "Cite":
                out += _shown(item["c"][1], targets)
            else:
                out.append(_shown(item, targets))
        return out
    if not isinstance(node, dict):
        return node
    if node.get("t") == "Link":
        attributes, inlines, (url, title) = node["c"]
        key = url[len("#" + ENTRY_PREFIX):] if url.startswith("#" + ENTRY_PREFIX) else None
        return {"t": "Link", "c": [attributes, _shown(inlines, targets),
                                   [f"#{targets[key]}" if key in targets else url, title]]}
    return {name: _shown(value, targets) for name, value in node.items()}


def formatted_citations(tree: dict) -> list[list[dict]]:
    """The formatted text of each citation of *tree*, in document order, as :func:`numbered_article`
    shows it (links to ``#ref-N``)."""
    targets = anchors(tree)
    found: list[list[dict]] = []
    walk(tree["blocks"], lambda node: found.append(_shown(node["c"][1], targets)) if node["t"] == "Cite" else None)
    return found


def reference_blocks(tree: dict) -> list[dict]:
    """The reference list as the formats show it: one ``.reference`` div per entry (``#ref-N``), its
    text one paragraph."""
    targets = anchors(tree)
    return [{"t": "Div", "c": [[targets[key], ["reference"], []],
                               [{"t": "Para", "c": _shown(entry_inlines(blocks), targets)}]]}
            for key, blocks in bibliography(tree)]


def numbered_article(tree: dict) -> dict:
    """The article's *tree* as the HTML, PDF and Word files show it: each citation its formatted text
    linking to ``#ref-N``, the bibliography the reference list (:func:`reference_blocks`). The tree is
    changed in place (a stage's own copy, read for it: a copy of a long article takes seconds) and
    returned."""
    targets = anchors(tree)
    index = _bibliography_index(tree["blocks"])
    references = reference_blocks(tree) if index is not None else []
    stack: list = [tree["blocks"]]
    while stack:
        item = stack.pop()
        if type(item) is list:
            _without_cites(item)
            stack.extend(item)
        elif type(item) is dict:
            if item.get("t") == "Link" and item["c"][2][0].startswith("#" + ENTRY_PREFIX):
                target = targets.get(item["c"][2][0][len("#" + ENTRY_PREFIX):])
                if target:
                    item["c"][2][0] = f"#{target}"
            stack.extend(value for value in item.values() if type(value) in (list, dict))
    if index is not None:
        tree["blocks"][index:index + 1] = references
    return tree


def _without_cites(items: list) -> None:
    """Replace each ``Cite`` of the list *items* by its formatted text, in place (that text holds no
    ``Cite``: citeproc does not nest them; any that did would be replaced too)."""
    while any(type(item) is dict and item.get("t") == "Cite" for item in items):
        items[:] = [part for item in items
                    for part in (item["c"][1] if type(item) is dict and item.get("t") == "Cite" else (item,))]


def markdown_lines(parts: list[list[dict]], api_version: list[int], defaults: str, label: str) -> list[str]:
    """Each of *parts* (lists of pandoc inlines) as one line of Markdown, written by pandoc with
    *defaults* (``pandoc/markdown.yaml``); *api_version* is the ``pandoc-api-version`` of the tree they
    come from, *label* names it in an error."""
    if not parts:
        return []
    tree = {"pandoc-api-version": api_version, "meta": {},
            "blocks": [{"t": "Para", "c": _at_signs_apart(inlines)} for inlines in parts]}
    lines = pandoc.write_ast(tree, "markdown", [defaults], label).strip("\n").split("\n\n")
    if len(lines) != len(parts):
        raise ValueError(f"pandoc wrote {len(lines)} paragraphs for {len(parts)} pieces of the article")
    return lines


_AT_SIGN = re.compile(r"(?=@[\w{])")


def _at_signs_apart(node):
    """*node* (inlines) with each text split before an ``@`` that could start a citation ("[@key]" in a
    title), so that pandoc's Markdown writer, which escapes such an ``@`` at the start of a text only,
    escapes it (``\\@key``): review.md never holds a citation that data made."""
    if isinstance(node, list):
        out = []
        for item in node:
            if isinstance(item, dict) and item.get("t") == "Str" and "@" in item["c"]:
                out += [{"t": "Str", "c": part} for part in _AT_SIGN.split(item["c"]) if part]
            else:
                out.append(_at_signs_apart(item))
        return out
    if isinstance(node, dict):
        return {key: _at_signs_apart(value) for key, value in node.items()}
    return node


def entry_markdown(tree: dict, defaults: str, label: str) -> dict[str, str]:
    """``{key: Markdown}`` of every entry of the reference list of *tree*, as review.md holds it but for
    the number a numeric style sets apart, written by pandoc with *defaults* (``pandoc/markdown.yaml``)."""
    entries = bibliography(tree)
    lines = markdown_lines([entry_inlines(blocks, keep_number=False) for _, blocks in entries],
                           tree["pandoc-api-version"], defaults, label)
    return dict(zip([key for key, _ in entries], lines, strict=True))
