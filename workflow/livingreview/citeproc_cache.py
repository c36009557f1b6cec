"""Citeproc's work reused across builds: an edit that changes no citation runs no citeproc.

Pandoc's citeproc is the costliest step of the article (rule ``article``, see
:mod:`livingreview.citeproc`): for the Metapsy review, reading its 481 CSL
items as metadata and formatting them takes about 1 s of CPU, on every build,
while an edit of the evidence (an effect size) seldom changes a citation. What
citeproc makes of the citations and the reference list depends only on what
it reads for them: the citations in document order (their keys, modes,
prefixes, suffixes, note numbers), the CSL items, the style, the pandoc
options and the document's metadata (its language). A SHA-256 of exactly
those, with the pandoc binary and the code of this module and of
:mod:`livingreview.pandoc` (whose ``plain`` it uses), is the key of an entry
in the cache folder (``build/cache/citeproc/``; not a rule's output, which
Snakemake deletes before the job runs) that holds the formatted citations,
the reference list (citeproc's ``refs`` div) and the metadata file of the CSL
items.

On a hit, the cited article is read by pandoc *without* citeproc (0.1 s of
CPU) and given what citeproc would have done to it; for an in-text style
(pandoc's ``processCitations``, notes-after-punctuation off) that is:

1. each ``Cite`` node gets its formatted citation, in document order;
2. in a list of inlines, pandoc's ``mvPunct``: a citation whose text is one
   superscript (or note) is set against the word before it (the space between
   is dropped, the "joined" citations of a superscript style), and a "." right
   after a citation whose text ends with "." is dropped;
3. the reference list goes into the ``refs`` div (classes and attributes
   added);
4. a span with only the class ``csl-quoted`` loses it.

Steps 1 and 3 depend only on the key; steps 2 and 4 on the text around the
citations too, so they are done here, as pandoc does them, on the text as it is
now. An entry is stored only when this, done on the article the entry comes
from, gives exactly the tree citeproc gave (:func:`spliced` compared with it,
node for node): whatever else citeproc did to an article (a note style, which
moves citations into footnotes; metadata that changes citeproc's behaviour)
leaves nothing stored, and citeproc runs every time, as without the cache.
The article is only served from the cache when the refs div is a single
top-level one, no metadata holds a citation and no section resets citation
positions, cases kept out because the key does not describe them.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.etree import ElementTree

from . import citeproc, pandoc
from .csl import metadata_file
from .files import write_atomic

# Entries kept in the cache folder (the newest): the current article's, and a few it was edited from.
KEEP = 8
# Metadata fields that change what steps 2 and 3 do (pandoc's Citeproc): an article with them is never cached.
_BEHAVIOUR = ("notes-after-punctuation", "suppress-bibliography", "reference-section-title")


class Scan:
    """What a walk of a syntax tree finds that citeproc reads or changes: the ``Cite`` nodes (document
    order), the lists of inlines that hold one, the ``csl-quoted`` spans, the refs divs (and whether each
    is one of the top-level blocks), and whether a section resets citation positions."""

    def __init__(self, tree: dict):
        self.cites: list[dict] = []
        self.lists: list[list] = []
        self.quoted: list[dict] = []
        self.refs: list[dict] = []
        self.resets = False
        self._walk(tree["meta"])  # citeproc reads and changes the metadata too
        self.meta_cites = bool(self.cites)
        self._walk(tree["blocks"])
        top = {id(block) for block in tree["blocks"]}
        self.top_level_refs = [div for div in self.refs if id(div) in top]

    def _walk(self, node) -> None:
        if isinstance(node, list):
            if any(isinstance(item, dict) and item.get("t") == "Cite" for item in node):
                self.lists.append(node)
            for item in node:
                if isinstance(item, (list, dict)):
                    self._walk(item)
            return
        kind = node.get("t")
        if kind == "Cite":
            self.cites.append(node)
        elif kind == "Span" and node["c"][0] == ["", ["csl-quoted"], []]:
            self.quoted.append(node)
        elif kind == "Div" and (node["c"][0][0] == "refs" or node["c"][0][0].endswith("__refs")):
            self.refs.append(node)
        if kind in ("Div", "Header"):
            attributes = node["c"][0] if kind == "Div" else node["c"][1]
            self.resets = self.resets or "reset-citation-positions" in attributes[1]
        for value in node.values():
            if isinstance(value, (list, dict)):
                self._walk(value)


def in_text_style(style: str) -> bool:
    """Whether the CSL style file *style* is an in-text style (not a note style: citeproc moves those into
    footnotes, which :func:`spliced` does not do)."""
    try:
        return ElementTree.parse(style).getroot().get("class") == "in-text"
    except (OSError, ElementTree.ParseError):
        return False


def cacheable(scan: Scan) -> bool:
    """Whether an article with *scan* can be given its citations from the cache (see the module's text)."""
    return len(scan.refs) == 1 and len(scan.top_level_refs) == 1 and not scan.meta_cites and not scan.resets


def key(plain: dict, scan: Scan, style: str, items: dict, defaults: list[str]) -> str:
    """The key of the article read without citeproc (*plain*, its *scan*): a SHA-256 of what citeproc reads
    for its citations and reference list: the citations (document order), the metadata, the refs div, the
    CSL *items*, the *style* file, the pandoc *defaults* files (with every file beside them, which they may
    name), the pandoc binary and the code of this module and :mod:`livingreview.pandoc`: the files' content,
    not where they are."""
    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    folders = sorted({Path(path).resolve().parent for path in defaults})
    binary = pandoc.binary().stat()
    material = {
        "code": [digest(Path(__file__)), digest(Path(pandoc.__file__))],
        "pandoc": [str(pandoc.binary()), binary.st_size, binary.st_mtime_ns],
        "style": digest(Path(style)),
        "defaults": [digest(Path(path)) for path in defaults],
        "pandoc files": sorted([path.name, digest(path)] for folder in folders for path in folder.iterdir()
                               if path.is_file()),
        "items": items,
        "api": plain["pandoc-api-version"],
        "meta": plain["meta"],
        "citations": [cite["c"][0] for cite in scan.cites],
        "refs": scan.refs[0],
    }
    text = json.dumps(material, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lookup(folder: str, name: str) -> dict | None:
    """The entry *name* of the cache *folder*, or None."""
    path = Path(folder, f"{name}.json")
    try:
        with open(path, encoding="utf-8") as handle:
            entry = json.load(handle)
    except (OSError, ValueError):
        return None
    os.utime(path)  # the newest are kept
    return entry


def store(folder: str, name: str, entry: dict) -> None:
    """Store *entry* as *name* in the cache *folder*, keeping the :data:`KEEP` newest entries."""
    write_atomic(Path(folder, f"{name}.json"), json.dumps(entry, ensure_ascii=False, sort_keys=True))
    entries = sorted(Path(folder).glob("*.json"), key=lambda path: path.stat().st_mtime_ns, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)


def entry_of(tree: dict, metadata: str) -> dict:
    """The cache entry of the article *tree* as citeproc formatted it (its metadata added by citeproc
    removed): the formatted citations, in order, and the refs div; *metadata* is the metadata file of the
    CSL items."""
    scan = Scan(tree)
    return {"citations": [cite["c"][1] for cite in scan.cites], "refs": scan.top_level_refs[0],
            "metadata": metadata}


def spliced(plain: dict, scan: Scan, entry: dict) -> dict:
    """The article read without citeproc (*plain*, changed in place; *scan* its :class:`Scan`) as
    citeproc would have formatted it with what *entry* holds (see the module's text, steps 1 to 4)."""
    for cite, formatted in zip(scan.cites, entry["citations"], strict=True):
        cite["c"][1] = formatted
    for inlines in scan.lists:
        inlines[:] = moved_punctuation(inlines)
    index = next(i for i, block in enumerate(plain["blocks"]) if block is scan.refs[0])
    plain["blocks"][index] = entry["refs"]
    for span in scan.quoted:
        span["c"][0] = ["", [], []]
    return plain


def formatted_article(cited: str, style: str, references: dict, defaults: list[str], folder: str,
                      cache: str | None) -> tuple[dict, bool]:
    """:func:`livingreview.citeproc.formatted_article` of the *cited* article with the CSL *style* and the
    CSL items *references* (``{"references": [...]}``), whose metadata file (``references.yaml``) and
    options (``options.yaml``) are written into *folder*; *defaults* are the pandoc defaults files
    (``pandoc/citeproc.yaml``, which names ``common.yaml`` beside it). With a *cache* folder, an article
    whose citations citeproc formatted before is given them from there (see the module's text); else
    citeproc runs, and its work is stored when the cache can serve it again. Returns the tree, and whether
    it came from the cache.

    Whether the cache holds the article is known once it is read without citeproc; when the cache is
    empty (a first build), citeproc runs at once and that reading beside it, in a thread."""
    metadata_path, options_path = Path(folder, "references.yaml"), Path(folder, "options.yaml")
    options = {"csl": style, "metadata-files": [str(metadata_path)]}
    reader = Path(defaults[0]).parent / "common.yaml"  # the reader's options, which citeproc.yaml names

    def read_plain() -> dict:
        return pandoc.read_ast(cited, [str(reader)])

    usable = bool(cache) and in_text_style(style) and reader.is_file()
    plain = None
    if usable and any(Path(cache).glob("*.json")):
        plain = read_plain()
        scan = Scan(plain)
        entry = lookup(cache, key(plain, scan, style, references, defaults)) if cacheable(scan) else None
        if entry is not None:
            write_atomic(metadata_path, entry["metadata"])
            pandoc.write_options(options_path, options)
            return spliced(plain, scan, entry), True
    metadata = metadata_file(references)
    write_atomic(metadata_path, metadata)
    with ThreadPoolExecutor(max_workers=1) as pool:
        beside = pool.submit(read_plain) if usable and plain is None else None
        tree = citeproc.formatted_article(cited, style, str(metadata_path), defaults, str(options_path))
        plain = beside.result() if beside is not None else plain
    if plain is not None and not any(field in tree["meta"] for field in _BEHAVIOUR):
        scan = Scan(plain)
        if cacheable(scan):
            name = key(plain, scan, style, references, defaults)
            entry = entry_of(tree, metadata)
            if spliced(plain, scan, entry) == tree:  # what is stored gives back exactly what citeproc gave
                store(cache, name, entry)
    return tree, False


# --- pandoc's mvPunct (Text.Pandoc.Citeproc), notes-after-punctuation off -----------------------

def _spacy(node: dict) -> bool:
    return node.get("t") in ("Space", "SoftBreak")


def _one_note(node: dict) -> bool:
    """A ``Cite`` whose formatted text is one superscript or footnote (pandoc's ``isNote``)."""
    if node.get("t") != "Cite":
        return False
    content = node["c"][1]
    return len(content) == 1 and content[0].get("t") in ("Note", "Superscript")


def moved_punctuation(inlines: list[dict]) -> list[dict]:
    """*inlines* as pandoc's ``mvPunct`` leaves them when notes are not moved after punctuation: the space
    between an inline and a citation that is one superscript or note is dropped, and a "." that follows a
    citation whose text ends with "." is dropped (its rules in their order; a space is passed over first)."""
    out: list[dict] = []
    i, n = 0, len(inlines)
    while i < n:
        node = inlines[i]
        if _spacy(node):
            out.append(node)
            i += 1
        elif i + 2 < n and _spacy(inlines[i + 1]) and _one_note(inlines[i + 2]):
            out += [node, inlines[i + 2]]
            i += 3
        elif (node.get("t") == "Cite" and i + 1 < n and inlines[i + 1] == {"t": "Str", "c": "."}
              and pandoc.plain(node["c"][1], stringify=True).endswith(".")):
            out.append(node)
            i += 2
        else:
            out.append(node)
            i += 1
    return out
