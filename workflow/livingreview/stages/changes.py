"""Stage ``changes``: the evidence snapshot of this release and the changes report.

The snapshot (``evidence.json``, published with each release) is what the
next release's report needs to know about this one, in small, stable JSON:
the review's version and metadata, the themes, every study of the dataset
(whatever its status) with its bibliography entry, the reference numbering,
and the article's paragraphs as plain text in which each citation is the
notation of the keys it cites (:func:`livingreview.citations.cite_marker`),
so that renumbering alone is not a change of wording. The paragraphs, the
numbering (by first citation) and the keys come from the article's syntax
tree (``review.json``, formatted by pandoc's citeproc), in which each
citation is a ``Cite`` node naming its keys and each entry of the reference
list is anchored ``ref-KEY``.

The published file holds the snapshot of the release *and* the baseline it
was compared with, so that the report is a function of the inputs and of the
previous release alone: rebuilding a published release reproduces it byte
for byte (see :func:`choose_baseline`).

The snapshot holds what every kind of review has, and what the review's kind
adds (:meth:`livingreview.kinds.ReviewKind.snapshot_parts`). The report
(``changes.md``) is written by the kind's template (``changes/changes.md.j2``
for a narrative review) from what the kind compares
(:meth:`livingreview.kinds.ReviewKind.compare`: a
:class:`~livingreview.compare.Changes` record, and the kind's own), and
``changes.html`` by pandoc from it.
"""

from __future__ import annotations

import html as html_escaping
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from .. import pandoc
from ..citations import cite_marker
from ..citations import cited_keys as keys_in_text
from ..citeproc import bibliography, citation_keys, cited_keys, entry_inlines
from ..compare import text_counts
from ..errors import DataError
from ..files import check_conflict_markers, read_json, write_atomic, write_json, write_log, yaml_line
from ..markdown import escape_inline
from ..pooling import MINUS, printed
from ..templates import Templates
from . import stage
from .synthesis import read_results

if TYPE_CHECKING:
    from ..kinds import ReviewKind

SNAPSHOT_FORMAT = 1

# The parts of a snapshot that are the evidence itself (not its rendering:
# the paragraphs and numbers also change with a template or a reference style).
EVIDENCE_PARTS = ("studies", "themes", "references", "review", "comparisons", "conclusions")


# --- the article's paragraphs, from pandoc's syntax tree ----------------------

_SPACES = re.compile(r"\s+")


def with_markers(inlines: list[dict]) -> list[dict]:
    """*inlines* with each citation (``Cite`` node) made the notation of the keys it cites, in sorted
    order (the order of the keys in one citation is not wording), so that renumbering is no change of
    wording; citations inside styled text (a style may set them in superscript) too."""
    out: list[dict] = []
    for node in inlines:
        kind, content = node["t"], node.get("c")
        if kind == "Cite":
            out.append({"t": "Str", "c": cite_marker(sorted(citation_keys(node)))})
        elif kind in pandoc.STYLED:
            out.append({"t": kind, "c": with_markers(content)})
        elif kind in ("Span", "Quoted", "Link"):
            out.append({"t": kind, "c": [content[0], with_markers(content[1]), *content[2:]]})
        else:
            out.append(node)
    return out


def _text(inlines: list[dict]) -> str:
    """Plain text of *inlines*, each citation the notation of its keys."""
    return _SPACES.sub(" ", pandoc.plain(with_markers(inlines))).strip()


def _cells(row: list) -> str:
    """A table row as "| a | b |" (cells as plain text)."""
    texts = [" ".join(_text(block["c"]) for block in cell[4] if block["t"] in ("Para", "Plain")) for cell in row[1]]
    return "| " + " | ".join(texts) + " |"


def _reference_entries(block: dict) -> list[dict]:
    """The entries of the reference list (citeproc's ``refs`` div), each one paragraph that starts with
    the notation of its key, followed by its text without the number a numeric style sets apart."""
    return [{"t": "Para", "c": [{"t": "Str", "c": cite_marker([key])}, {"t": "Space"},
                                *entry_inlines(blocks, keep_number=False)]}
            for key, blocks in bibliography({"blocks": [block]})]


def subject_of(inlines: list[dict]) -> str | None:
    """What a paragraph is about, when the template names it: the bold label it opens with
    ("**Cognitive behavioural therapy.** 259 comparisons ..." is about "Cognitive behavioural therapy"),
    citations left out; None when it opens otherwise."""
    first = next((node for node in inlines if node["t"] not in ("Space", "SoftBreak")), None)
    if first is None or first["t"] != "Strong":
        return None
    label = _text([node for node in first["c"] if node["t"] != "Cite"]).rstrip(" .:")
    return label or None


def _row_subjects(rows: list[str]) -> list[str | None]:
    """The subject of each row of one table (:func:`_cells` texts): its first cell (carried down from the row
    above when empty: a category under its characteristic), and its second cell too when the first is not
    unique in the table; None for a row that is still not unique."""
    cells = [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows]
    carried, firsts = "", []
    for row in cells:
        carried = row[0] or carried
        firsts.append(carried)
    counts: dict[str, int] = {}
    for first in firsts:
        counts[first] = counts.get(first, 0) + 1
    names = [first if counts[first] == 1 or len(row) < 2 else f"{first} / {row[1]}"
             for first, row in zip(firsts, cells, strict=True)]
    seen: dict[str, int] = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
    return [name if name and seen[name] == 1 else None for name in names]


def _paragraph(section: str, text: str, subject: str | None) -> dict[str, str]:
    return {"section": section, "text": text, **({"id": subject} if subject else {})}


def paragraphs(blocks: list[dict], section: str = "") -> tuple[list[dict[str, str]], str]:
    """The paragraphs of pandoc *blocks* in order, each ``{"section", "text"}`` and, when it has one, its
    ``"id"``: what it is about, as the template names it; and the section after them.

    Citations become the notation of the keys they cite (see
    :func:`with_markers`), and an entry of the reference list starts with
    the notation of its key. Headings name the section and are
    not paragraphs; a div with a class starts a section of that name
    (``::: {.back-matter}``: "Back matter"); a table gives its caption and
    each of its rows as paragraphs.

    The id is what the report matches a paragraph by across releases, whatever its position: a
    paragraph that opens with a bold label is about that label (:func:`subject_of`: a psychotherapy, a
    control condition, a theme), an entry of the reference list about its key (``ref:KEY``), a row of a
    table about its first cells (``row:Caption:Cells``, :func:`_row_subjects`). Other paragraphs have
    none (they are matched by the studies they cite, then by their words).
    """
    found: list[dict[str, str]] = []
    for block in blocks:
        kind, content = block["t"], block.get("c")
        if kind == "Header":
            section = _text(content[2])
        elif kind in ("Para", "Plain"):
            text = _text(content)
            if text:
                found.append(_paragraph(section, text, subject_of(content)))
        elif kind == "Div":
            identifier, classes = content[0][0], content[0][1]
            if identifier == "refs":
                inner, section = paragraphs(_reference_entries(block), section)
                inner = [_paragraph(p["section"], p["text"], f"ref:{keys_in_text(p['text'])[0]}") for p in inner]
            else:
                if classes:
                    section = classes[0].replace("-", " ").capitalize()
                inner, section = paragraphs(content[1], section)
            found += inner
        elif kind in ("BlockQuote",):
            inner, section = paragraphs(content, section)
            found += inner
        elif kind in ("BulletList", "OrderedList"):
            for item in content if kind == "BulletList" else content[1]:
                inner, section = paragraphs(item, section)
                found += inner
        elif kind == "Table":
            caption, section = paragraphs(content[1][1], section)  # the caption
            found += caption
            head, bodies = content[3], content[4]
            rows = [_cells(row) for row in head[1] + [row for body in bodies for row in body[2] + body[3]]]
            table = caption[0]["text"].split(".")[0] if caption else ""
            found += [_paragraph(section, text, f"row:{table}:{subject}" if subject else None)
                      for text, subject in zip(rows, _row_subjects(rows), strict=True)]
    return found, section


def article_paragraphs(tree: dict) -> list[dict[str, str]]:
    """The paragraphs of the article, from its syntax tree (see :func:`paragraphs`)."""
    return paragraphs(tree["blocks"])[0]


def citation_numbering(tree: dict) -> dict[str, int]:
    """``{key: number}``: each cited key numbered by its first citation in the article's syntax tree
    (the numbers of a numeric style)."""
    return {key: number for number, key in enumerate(cited_keys(tree), start=1)}


# --- the snapshot --------------------------------------------------------------

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


def make_snapshot(evidence: dict, numbering: dict[str, int], paragraph_list: list[dict],
                  kind_parts: dict | None = None) -> dict:
    """The snapshot of one build: the evidence (and the files it came from), the numbering, the paragraphs,
    and what the review's kind adds (*kind_parts*: :meth:`livingreview.kinds.ReviewKind.snapshot_parts`)."""
    return {
        "version": evidence["review"]["version"],
        "review": evidence["review"],
        "themes": {t["theme"]: _record(t) for t in evidence.get("themes", [])},
        "studies": {s["key"]: _record(s) for s in evidence["studies"]},
        "references": {s["key"]: reference_record(evidence["references"][s["key"]]) for s in evidence["studies"]},
        "numbering": numbering,
        "paragraphs": paragraph_list,
        "sources": evidence["sources"],
        **(kind_parts or {}),
    }


def version_key(version: str):
    """A sort key for release versions ("1.10.0" after "1.9.2"); None when *version* is not of the
    usual form (then no order is assumed)."""
    from packaging.version import InvalidVersion, Version

    try:
        return Version(version)
    except InvalidVersion:
        return None


def check_version_order(previous: dict | None, snapshot: dict, review_path: str) -> None:
    """Refuse a version lower than the published one: the changes report would go back in time."""
    if previous is None:
        return
    old, new = previous["snapshot"]["version"], snapshot["version"]
    if version_key(old) is not None and version_key(new) is not None and version_key(new) < version_key(old):
        text = Path(review_path).read_text(encoding="utf-8") if Path(review_path).is_file() else ""
        line = yaml_line(text, ["version"]) if text else None
        raise DataError(review_path, f"line {line}, key version" if line else "key version",
                        f'version "{new}" is lower than the published version "{old}"; the changes report would '
                        f'describe going back from {old} to {new}',
                        f"give this release a version above {old} (e.g. the next one), or restore output/ of "
                        f"version {new} from version control if that is the release you mean to rebuild", line=line)


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


def republished_version(previous: dict | None, current: dict) -> str | None:
    """The version number when *current* (a release's snapshot file) replaces a release *previous* of
    the same version with other evidence; otherwise None."""
    if previous is None or previous["snapshot"]["version"] != current["snapshot"]["version"]:
        return None
    same = all(previous["snapshot"].get(part) == current["snapshot"].get(part) for part in EVIDENCE_PARTS)
    return None if same else current["snapshot"]["version"]


def read_previous(path: str | Path | None) -> dict | None:
    """The published snapshot file at *path*, or None when there is none (*path* None or no file).

    Raises :class:`DataError` when the file is not a snapshot this version of
    livingreview wrote.
    """
    if path is None or not Path(path).is_file():
        return None
    path = Path(path)
    fix = (f"restore it from version control (git checkout -- {path}), or delete it and the manifest beside it "
           "to start the changes report afresh (the next report then has nothing to compare with)")
    try:
        check_conflict_markers(path.read_text(encoding="utf-8"), str(path), "published evidence snapshot")
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


def recorded_version(published: str | Path) -> str | None:
    """The version the published manifest beside the snapshot *published* records, or None (no manifest)."""
    manifest = Path(published).parent / "manifest.json"
    try:
        return str(read_json(manifest)["review"]["version"]) if manifest.is_file() else None
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None


def committed_snapshot(published: str | Path) -> dict | None:
    """The snapshot *published* as last committed to git (``git show HEAD:./PATH``), when it was and reads as one."""
    import subprocess
    import tempfile

    try:
        result = subprocess.run(["git", "show", f"HEAD:./{Path(published).as_posix()}"], capture_output=True)
    except OSError:
        return None
    if result.returncode != 0:
        return None
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "evidence.json"
        copy.write_bytes(result.stdout)
        try:
            return read_previous(copy)
        except DataError:
            return None


def previous_or_recovered(published: str | Path) -> dict | None:
    """The published snapshot (:func:`read_previous`); when it is missing but the published manifest records
    a version, the one committed to git, or a :class:`DataError`: a missing baseline never makes a later
    version "the first release"."""
    previous = read_previous(published)
    if previous is not None:
        return previous
    version = recorded_version(published)
    if version is None:
        return None
    recovered = committed_snapshot(published)
    if recovered is not None:
        print(f"livingreview: note: {published} is missing; the changes report compares with the one committed to "
              f"git (version {recovered['snapshot']['version']})", file=sys.stderr)
        return recovered
    raise DataError(str(published), None, f"the published evidence snapshot is missing, but "
                    f"{Path(published).parent / 'manifest.json'} records version {version}: the changes report "
                    "would call this the first release of the review",
                    f"restore it (git checkout -- {published}); if the review truly starts afresh, delete "
                    f"{Path(published).parent / 'manifest.json'} too")


@stage
def snapshot(*, kind: ReviewKind, evidence: str, synthesis: str | None, ast: str, published: str, out: str,
             log: str) -> None:
    """evidence.json, the pooled effects (*synthesis*, when the review's *kind* pools effects; else None) and
    the article's syntax tree (its citations and their numbering; + the *published* snapshot, if there is
    one at that path) -> this release's snapshot file."""
    tree = read_json(ast)
    data = read_json(evidence)
    table = read_results(synthesis) if synthesis else None
    current = make_snapshot(data, citation_numbering(tree), article_paragraphs(tree),
                            kind.snapshot_parts(data, table))
    previous = previous_or_recovered(published)
    check_version_order(previous, current, current["sources"]["review"])
    baseline = choose_baseline(previous, current)
    result = {"format": SNAPSHOT_FORMAT, "snapshot": current, "baseline": baseline}
    republished = republished_version(previous, result)
    if republished:
        print(f"livingreview: note: version {republished} was already published with other evidence; the "
              f"changes report still describes {republished} against the version before it. If this is a new "
              "release, raise `version` in the review metadata and build again.", file=sys.stderr)
    write_json(out, result)
    write_log(log, f"{len(current['paragraphs'])} paragraphs; compared with "
                   + (f"version {baseline['version']}" if baseline else "nothing (first release)"))


# --- the report ----------------------------------------------------------------

def _styled(marks: str):
    def style(text: str) -> Markup:
        return Markup(f"{marks}{escape_inline(text)}{marks}") if str(text).strip() else Markup("")
    return style


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _thousands(value) -> str:
    """A count with thousands separators ("21,563"); "—" when there is none."""
    return "—" if value is None or value == "" else f"{int(value):,}"


def _signed(value, places: int) -> Markup:
    """A difference rounded to *places* decimals as the article prints a number
    (:func:`livingreview.pooling.printed`), with "+" when it is above zero ("+0.05", "−0.01", "0.00")."""
    text = printed(value, places)
    return Markup(("+" if text.strip("0.") and not text.startswith(MINUS) else "") + text)


REPORT_FILTERS = {"deleted": _styled("~~"), "inserted": _styled("**"), "strong": _styled("**"), "plural": _plural,
                  "fixed": printed, "thousands": _thousands, "signed": _signed,
                  "text_counts": text_counts}


def report_markdown(names: dict, templates: list[str], name: str = "changes/changes.md.j2") -> str:
    """The changes report as Markdown, written by the template *name* with *names*: ``changes`` (a
    :class:`~livingreview.compare.Changes`) and what the review's kind adds
    (:meth:`livingreview.kinds.ReviewKind.compare`)."""
    return Templates(templates, REPORT_FILTERS).render(name, **names).strip() + "\n"


@stage
def report(*, kind: ReviewKind, snapshot: str, templates: list[str], defaults: str, template: str, variables: str,
           markdown: str, html: str, log: str) -> None:
    """This release's snapshot file (this build and its baseline) -> changes.md (the template of the review's
    *kind*, e.g. ``changes/changes.md.j2``) and changes.html (pandoc, *defaults* ``pandoc/changes.yaml``)."""
    published = read_json(snapshot)
    names = kind.compare(published["baseline"], published["snapshot"])
    changes = names["changes"]
    write_atomic(markdown, report_markdown(names, templates, kind.changes_template))
    title = (f"Changes in version {changes.new_version}" if changes.first_release
             else f"Changes from version {changes.old_version} to version {changes.new_version}")
    # Template variables are pasted into the page as they are: escape them for HTML.
    language = published["snapshot"]["review"].get("language", "en")
    pandoc.write_defaults(variables, template, {"pagetitle": html_escaping.escape(f"{title}: {changes.title}"),
                                                "lang": html_escaping.escape(language)})
    write_atomic(html, pandoc.convert(markdown, "html5", [defaults, variables]))
    write_log(log, title)
