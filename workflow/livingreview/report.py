"""The changes report (``changes.md`` and ``changes.html``) from a :class:`~livingreview.changes.Changes`.

:func:`report_blocks` lays the report out once as a few plain blocks
(headings, paragraphs, lists, a table) made of styled runs of text;
:func:`to_markdown` and :func:`to_html` write those blocks, escaping every
run, so that text from the data is always shown and never read as Markdown
or HTML.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from .changes import Changes, FieldChange, ParagraphChange, StudyChange, compare
from .files import read_json, write_atomic
from .markdown import escape_inline, escape_markdown

# A run of text and its style: "" (plain), "strong", "em", "del" (removed words), "ins" (added words).
Run = tuple[str, str]


@dataclass(frozen=True)
class Heading:
    """A heading of *level* 1 or 2."""

    level: int
    runs: tuple[Run, ...]


@dataclass(frozen=True)
class Para:
    """A paragraph; a *quoted* one is an excerpt of the article (a paragraph diff)."""

    runs: tuple[Run, ...]
    quoted: bool = False


@dataclass(frozen=True)
class Item:
    """A list item, with its own list of *children*."""

    runs: tuple[Run, ...]
    children: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Bullets:
    """A bulleted list."""

    items: tuple[Item, ...]


@dataclass(frozen=True)
class Table:
    """A table of plain-text cells."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Para | Bullets | Table


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _number(n: int | None) -> str:
    return "—" if n is None else str(n)


def _study_runs(study: StudyChange) -> tuple[Run, ...]:
    """ "Lindqvist and Nyström 2025 (lindqvist2025), "Title", Neural mechanisms." """
    return (("strong", study.label), ("", f" ({study.key}), “{study.title}”, theme: {study.theme}."))


def _field_item(change: FieldChange) -> Item:
    return Item((("em", change.field), ("", f" ({change.source})")),
                (Item((("", "old: "), ("del", change.old) if change.old else ("", "(empty)"))),
                 Item((("", "new: "), ("ins", change.new) if change.new else ("", "(empty)")))))


def _study_item(study: StudyChange, group: str) -> Item:
    """One study of group *group* (see :data:`STUDY_GROUPS`): what happened to it, its numbers, its fields."""
    if group == "added":
        tail = f"Now reference {study.new_number}." if study.new_number else "Not cited."
    elif group == "revised":
        tail = f"Reference {_number(study.new_number)}."
    elif study.old_number is None:
        tail = "Retracted; it was not in the previous version." if group == "retracted" else "Removed."
    else:
        what = "Retracted" if group == "retracted" else (
            "Deleted from the study dataset" if study.status == "deleted" else f"Now {study.status}")
        tail = f"{what}: removed from the text and the reference list. Was reference {study.old_number}."
    return Item(_study_runs(study) + (("", " " + tail),), tuple(_field_item(f) for f in study.fields))


STUDY_GROUPS = (
    ("added", "Studies added"),
    ("removed", "Studies removed"),
    ("retracted", "Studies retracted"),
    ("revised", "Studies revised"),
)


def _summary(changes: Changes) -> Bullets:
    counts = ", ".join(f"{len(getattr(changes, name))} {name}" for name, _ in STUDY_GROUPS)
    old_refs, new_refs = changes.reference_count
    renumbered = _plural(changes.renumbered_only, "more paragraph differs", "more paragraphs differ")
    their = "its" if changes.renumbered_only == 1 else "their"
    kinds = ", ".join(f"{sum(p.kind == kind for p in changes.paragraphs)} {kind}"
                      for kind in ("added", "removed", "changed"))
    return Bullets((
        Item((("strong", "Studies:"), ("", f" {counts}."))),
        Item((("strong", "References:"), ("", f" {old_refs} before, {new_refs} now."))),
        Item((("strong", "Paragraphs:"), ("", f" {kinds}; {renumbered} only in {their} citation numbers."))),
    ))


def _cite(key: str, numbers: dict[str, tuple[int | None, int | None]]) -> str:
    """ "[6] lindqvist2025", or "solberg2022 (was [5])" for a study no longer cited."""
    old, new = numbers.get(key, (None, None))
    if new is not None:
        return f"[{new}] {key}"
    return f"{key} (was [{old}])" if old is not None else key


def _paragraph_blocks(change: ParagraphChange, numbers: dict[str, tuple[int | None, int | None]]) -> list[Block]:
    cites = "; ".join(_cite(key, numbers) for key in change.cites)
    label = f"{change.section}, {change.block} {change.position} ({change.kind})"
    runs: list[Run] = []
    for segment in change.segments:
        if runs:
            runs.append(("", " "))
        runs.append(({"equal": "", "delete": "del", "insert": "ins"}[segment.op], segment.text))
    return [Para((("strong", label), ("", f". Cites: {cites}." if cites else "."))), Para(tuple(runs), quoted=True)]


def report_blocks(changes: Changes) -> list[Block]:
    """The report's layout, independent of its format."""
    new = changes.new_version
    if changes.first_release:
        return [
            Heading(1, (("", f"Changes in version {new}"),)),
            Para((("em", changes.title),)),
            Para((("", f"Version {new} is the first release of this review: there is no earlier release to "
                       f"compare it with. It cites {_plural(changes.reference_count[1], 'study', 'studies')}."),)),
        ]
    old = changes.old_version
    blocks: list[Block] = [
        Heading(1, (("", f"Changes from version {old} to version {new}"),)),
        Para((("em", changes.title),)),
        Para((("", f"This build of version {new} is compared with the published release of version {old}. "
                   "Numbers in brackets are reference numbers."),)),
    ]
    blocks.append(_summary(changes))
    for name, heading in STUDY_GROUPS:
        studies = getattr(changes, name)
        blocks.append(Heading(2, (("", heading),)))
        blocks.append(Bullets(tuple(_study_item(s, name) for s in studies)) if studies else Para((("", "None."),)))
    if changes.themes or changes.metadata:
        blocks.append(Heading(2, (("", "Themes and metadata revised"),)))
        items = [Item((("strong", t.name),), tuple(_field_item(f) for f in t.fields)) for t in changes.themes]
        items += [_field_item(f) for f in changes.metadata]
        blocks.append(Bullets(tuple(items)))
    blocks.append(Heading(2, (("", "Reference numbers"),)))
    blocks.append(Para((("", f"Each study's reference number in version {old} and in version {new} "
                             "(— where it is not cited)."),)))
    blocks.append(Table(("Study", "Key", f"Version {old}", f"Version {new}"),
                        tuple((label, key, _number(a), _number(b)) for key, label, a, b in changes.numbering)))
    blocks.append(Heading(2, (("", "Changed paragraphs"),)))
    if changes.paragraphs:
        blocks.append(Para((("", "Word by word: "), ("del", "struck-out"), ("", " words were removed, "),
                            ("ins", "bold"), ("", " words added."))))
        numbers = {key: (a, b) for key, _, a, b in changes.numbering}
        for change in changes.paragraphs:
            blocks.extend(_paragraph_blocks(change, numbers))
    else:
        blocks.append(Para((("", "None."),)))
    return blocks


# --- Markdown -------------------------------------------------------------

_MD_STYLE = {"": "{}", "strong": "**{}**", "em": "*{}*", "del": "~~{}~~", "ins": "**{}**"}


def _md_runs(runs: tuple[Run, ...]) -> str:
    out = []
    for index, (style, text) in enumerate(runs):
        # Only a plain first run can start a block (a list, a heading ...).
        core = escape_markdown(text) if index == 0 and style == "" else escape_inline(text)
        if not core:
            out.append(" " if text else "")
            continue
        lead = " " if text[:1].isspace() else ""
        trail = " " if text[-1:].isspace() else ""
        out.append(lead + _MD_STYLE[style].format(core) + trail)
    return "".join(out)


def _md_items(items: tuple[Item, ...], indent: str = "") -> list[str]:
    lines = []
    for item in items:
        lines.append(f"{indent}- {_md_runs(item.runs)}")
        lines.extend(_md_items(item.children, indent + "  "))
    return lines


def _md_block(block: Block) -> str:
    if isinstance(block, Heading):
        return "#" * block.level + " " + _md_runs(block.runs)
    if isinstance(block, Para):
        return ("> " if block.quoted else "") + _md_runs(block.runs)
    if isinstance(block, Bullets):
        return "\n".join(_md_items(block.items))
    rows = [block.header, *block.rows]
    lines = ["| " + " | ".join(escape_inline(cell) for cell in row) + " |" for row in rows]
    lines.insert(1, "|" + "|".join(":---" for _ in block.header) + "|")
    return "\n".join(lines)


def to_markdown(blocks: list[Block]) -> str:
    """The report as Markdown (CommonMark/Pandoc: ``~~removed~~``, ``**added**``)."""
    return "\n\n".join(_md_block(b) for b in blocks) + "\n"


# --- HTML -----------------------------------------------------------------

_HTML_TAG = {"": None, "strong": "strong", "em": "em", "del": "del", "ins": "ins"}


def _html_runs(runs: tuple[Run, ...]) -> str:
    out = []
    for style, text in runs:
        escaped = html.escape(text, quote=True)
        tag = _HTML_TAG[style]
        out.append(f"<{tag}>{escaped}</{tag}>" if tag else escaped)
    return "".join(out)


def _html_items(items: tuple[Item, ...]) -> str:
    parts = []
    for item in items:
        children = f"<ul>{_html_items(item.children)}</ul>" if item.children else ""
        parts.append(f"<li>{_html_runs(item.runs)}{children}</li>\n")
    return "".join(parts)


def _html_block(block: Block) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{_html_runs(block.runs)}</h{block.level}>"
    if isinstance(block, Para):
        paragraph = f"<p>{_html_runs(block.runs)}</p>"
        return f"<blockquote>{paragraph}</blockquote>" if block.quoted else paragraph
    if isinstance(block, Bullets):
        return f"<ul>\n{_html_items(block.items)}</ul>"
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in block.header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>\n"
                   for row in block.rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>"


def to_html(blocks: list[Block], title: str, style: str, language: str = "en") -> str:
    """The report as one standalone HTML page with the CSS *style* embedded (no script, nothing fetched)."""
    body = "\n".join(_html_block(b) for b in blocks)
    return (f'<!DOCTYPE html>\n<html lang="{html.escape(language, quote=True)}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n<style>\n{style.strip()}\n</style>\n</head>\n<body>\n{body}\n"
            "</body>\n</html>\n")


def report_changes_step(snapshot_json: str, style_css: str, out_md: str, out_html: str) -> None:
    """The release's evidence.json (this build and its baseline) -> changes.md, and changes.html
    styled by *style_css* (templates/changes/style.css)."""
    published = read_json(snapshot_json)
    snapshot = published["snapshot"]
    changes = compare(published["baseline"], snapshot)
    blocks = report_blocks(changes)
    title = "".join(text for _, text in blocks[0].runs) + ": " + changes.title
    write_atomic(out_md, to_markdown(blocks))
    style = Path(style_css).read_text(encoding="utf-8")
    write_atomic(out_html, to_html(blocks, title, style, snapshot["review"].get("language", "en")))
