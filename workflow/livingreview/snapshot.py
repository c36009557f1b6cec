"""The evidence snapshot published with each release as ``output/evidence.json``.

A snapshot is what the changes report needs to know about one release, in
small, stable JSON: the review's version and metadata, the themes, every
study of the dataset (whatever its status) with its bibliography entry, the
reference numbering and the article's paragraphs as plain text, with each
citation kept as the keys it cites (so that renumbering alone is not a change
of wording).

The published file holds the snapshot of the release *and* the baseline it
was compared with, so that the report is a function of the inputs and of the
previous release alone: rebuilding a published release reproduces it byte for
byte (see :func:`choose_baseline`).
"""

from __future__ import annotations

import re
from pathlib import Path

from .citations import cite_marker
from .errors import DataError
from .files import read_json, write_json

SNAPSHOT_FORMAT = 1

# What format_citation writes with links: \[[1](#ref-1),[3](#ref-3)-[5](#ref-5)\]
_CITATION_GROUP = re.compile(r"\\\[((?:\[\d+\]\(#ref-\d+\)[-,]?)+)\\\]")
_CITED_NUMBER = re.compile(r"\[(\d+)\]\(#ref-\d+\)([-,]?)")
_REFERENCE_FENCE = re.compile(r"^:::+\s*\{#ref-(\d+)\s+\.reference\}\s*$")
_CLASS_FENCE = re.compile(r"^:::+\s*\{\.([A-Za-z][\w-]*)\}\s*$")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_TABLE_RULE = re.compile(r"^\|[\s:|-]+\|$")
_BLANK_LINES = re.compile(r"\n[ \t]*\n")
# Pandoc Markdown that only styles text: a backslash escape, a link, emphasis.
_INLINE = re.compile(r"\\([!-/:-@\[-`{-~])|\[((?:\\.|[^\]\\])*)\]\([^()\s]*\)|\*+")


def citation_numbers(group: str) -> list[int]:
    """The numbers of one linked citation group: ``[3](#ref-3)-[5](#ref-5)`` -> [3, 4, 5]."""
    numbers: list[int] = []
    previous_separator = ""
    for digits, separator in _CITED_NUMBER.findall(group):
        number = int(digits)
        if previous_separator == "-" and numbers:
            numbers.extend(range(numbers[-1] + 1, number))
        numbers.append(number)
        previous_separator = separator
    return numbers


def citations_to_markers(markdown: str, numbering: dict[str, int]) -> str:
    """Replace each numbered, linked citation with the marker of the keys it cites."""
    keys = {number: key for key, number in numbering.items()}

    def marker(match: re.Match) -> str:
        numbers = citation_numbers(match.group(1))
        if not all(n in keys for n in numbers):
            return match.group(0)
        return cite_marker([keys[n] for n in numbers])

    return _CITATION_GROUP.sub(marker, markdown)


def plain_text(markdown: str) -> str:
    """Pandoc Markdown of one block as the reader sees it: escapes, links and emphasis removed."""
    def replace(match: re.Match) -> str:
        if match.group(1) is not None:
            return match.group(1)
        if match.group(2) is not None:
            return plain_text(match.group(2))
        return ""

    return _INLINE.sub(replace, markdown)


def _body(markdown: str) -> str:
    """The article without its YAML front matter."""
    if markdown.startswith("---\n"):
        end = markdown.find("\n---\n", 4)
        if end != -1:
            return markdown[end + 5:]
    return markdown


def article_paragraphs(markdown: str, numbering: dict[str, int]) -> list[dict[str, str]]:
    """The article's paragraphs in order, each as ``{"section", "text"}``.

    Headings name the section and are not paragraphs, nor are fenced-div
    lines, but a div with a class starts a section of that name
    (``::: {.back-matter}``: "Back matter"); a table caption loses its
    leading ": "; each row of a table is a paragraph of its own; an entry of the
    reference list starts with the marker of its key instead of its number.
    Citations become markers of the keys they cite (see
    :func:`citations_to_markers`); the rest is plain text (:func:`plain_text`).
    """
    paragraphs: list[dict[str, str]] = []
    section, reference = "", None
    keys = {number: key for key, number in numbering.items()}
    for block in _BLANK_LINES.split(_body(markdown)):
        lines = []
        for line in block.strip().splitlines():
            fence, div = _REFERENCE_FENCE.match(line.strip()), _CLASS_FENCE.match(line.strip())
            if fence:
                reference = int(fence.group(1))
            elif div:
                section = div.group(1).replace("-", " ").capitalize()
            elif not line.startswith(":::"):
                lines.append(line.strip())
        if not lines:
            continue
        heading = _HEADING.match(lines[0])
        if heading and len(lines) == 1:
            section = plain_text(heading.group(1))
            continue
        if all(line.startswith("|") for line in lines):
            texts = [line for line in lines if not _TABLE_RULE.match(line)]
        else:
            texts = [re.sub(r"^: ", "", " ".join(lines))]
        for text in texts:
            text = citations_to_markers(text, numbering)
            if reference is not None and reference in keys:
                text = cite_marker([keys[reference]]) + " " + re.sub(rf"^{reference}\\\.\s*", "", text)
            paragraphs.append({"section": section, "text": plain_text(text)})
        reference = None
    return paragraphs


def bibtex_name(name: dict) -> str:
    """A name as BibTeX writes it: "von Family, Suffix, Given" (parts present only)."""
    family = " ".join(part for part in (name.get("von", ""), name["family"]) if part)
    return ", ".join(part for part in (family, name.get("suffix", ""), name.get("given", "")) if part)


def reference_record(reference: dict) -> dict:
    """A bibliography entry as flat fields: type, author, editor (lists of names) and its own fields.

    The entry's line in references.bib is left out: it moves whenever an
    entry above it changes.
    """
    record = {"type": reference["entry_type"], **reference["fields"]}
    for field, names in (("author", reference["authors"]), ("editor", reference["editors"])):
        if names:
            record[field] = [bibtex_name(n) for n in names]
    return record


def _record(row: dict) -> dict:
    """A data row without the reader's bookkeeping (``_row``, ``_line``)."""
    return {k: v for k, v in row.items() if not k.startswith("_")}


def make_snapshot(evidence: dict, numbering: dict[str, int], markdown: str) -> dict:
    """The snapshot of one build: evidence.json's data (and the files it came from), the numbering and
    review.md's paragraphs."""
    return {
        "version": evidence["review"]["version"],
        "review": evidence["review"],
        "themes": {t["theme"]: _record(t) for t in evidence["themes"]},
        "studies": {s["key"]: _record(s) for s in evidence["studies"]},
        "references": {s["key"]: reference_record(evidence["references"][s["key"]]) for s in evidence["studies"]},
        "numbering": numbering,
        "paragraphs": article_paragraphs(markdown, numbering),
        "sources": evidence["sources"],
    }


def choose_baseline(previous: dict | None, snapshot: dict) -> dict | None:
    """The snapshot this build is compared with, given the published release *previous*.

    - nothing published yet: no baseline (the first release);
    - the published release has another version: that release;
    - the same version: the baseline that release was compared with (none for
      the first version), so that rebuilding (or going on editing) a version
      keeps comparing with the version before it, and a rebuild reproduces
      the published report. The report is a function of the version, never
      of how many times it was built; :func:`republished_version` warns the
      author who publishes new evidence under an old version number.
    """
    if previous is None:
        return None
    published = previous["snapshot"]
    if published["version"] != snapshot["version"]:
        return published
    return previous["baseline"]


# The parts of a snapshot that are the evidence itself (not its rendering:
# the paragraphs and numbers also change with a template or a reference style).
EVIDENCE_PARTS = ("studies", "themes", "references", "review")


def republished_version(previous: dict | None, current: dict) -> str | None:
    """The version number when *current* (a release's evidence.json) replaces a
    release *previous* of the same version with other evidence; otherwise None."""
    if previous is None or previous["snapshot"]["version"] != current["snapshot"]["version"]:
        return None
    same = all(previous["snapshot"].get(part) == current["snapshot"].get(part) for part in EVIDENCE_PARTS)
    return None if same else current["snapshot"]["version"]


def read_previous(path: str | Path) -> dict | None:
    """The published ``evidence.json`` at *path*, or None when there is none.

    Raises :class:`DataError` when the file is not a snapshot this version of
    livingreview wrote.
    """
    path = Path(path)
    if not path.is_file():
        return None
    fix = (f"restore it from version control (git checkout -- {path}), or delete it to start the "
           "changes report afresh (the next report then has nothing to compare with)")
    try:
        previous = read_json(path)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(str(path), None, f"the published evidence snapshot is not valid JSON ({exc})", fix) from None
    if (not isinstance(previous, dict) or previous.get("format") != SNAPSHOT_FORMAT
            or not isinstance(previous.get("snapshot"), dict) or "baseline" not in previous
            or not isinstance(previous["snapshot"].get("version"), str)
            or not isinstance(previous["baseline"], (dict, type(None)))):
        raise DataError(str(path), None, f"not an evidence snapshot of format {SNAPSHOT_FORMAT} "
                        "written by livingreview", fix)
    return previous


def snapshot_evidence_step(evidence_json: str, citations_json: str, review_md: str, previous_json: str,
                           out_json: str) -> None:
    """evidence.json + citations.json + review.md (+ the published evidence.json) -> the release's evidence.json."""
    snapshot = make_snapshot(read_json(evidence_json), read_json(citations_json),
                             Path(review_md).read_text(encoding="utf-8"))
    baseline = choose_baseline(read_previous(previous_json), snapshot)
    write_json(out_json, {"format": SNAPSHOT_FORMAT, "snapshot": snapshot, "baseline": baseline})


__all__ = ["article_paragraphs", "choose_baseline", "make_snapshot", "plain_text",
           "read_previous", "republished_version", "snapshot_evidence_step"]
