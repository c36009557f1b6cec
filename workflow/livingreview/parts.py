"""Each consumer's part of the evidence, so that an edit re-runs only the jobs that read what it changed.

Snakemake decides by file time, and a job downstream of one that must run
runs too: were every section and figure to read ``evidence.json``, a
one-word edit of one study's description would re-run them all. So, when
the workflow is read (before Snakemake builds its graph of jobs), the data
files are read as the ``evidence`` rule reads them and each consumer's part
is written to ``build/parts/``:

- ``sections/NAME.json``: what section NAME reads: the evidence with each
  study row cut to the columns the kind's section context needs
  (:attr:`~livingreview.kinds.ReviewKind.section_columns`) and those the
  section's template (and the templates it includes) names; the whole
  evidence when the kind does not say (a meta-analysis: its sections print
  the pooled effects, which every effect size changes anyway);
- ``figures/NAME.json``: what figure NAME draws
  (:meth:`~livingreview.kinds.ReviewKind.figure_part`: the seed's design map
  reads themes, designs and statuses, a meta-analysis's flow diagram no
  effect size).

A part is written only when its bytes changed (:func:`write_if_changed`): an
unchanged part keeps its time, and Snakemake sees nothing to do for its
readers. The data are read only when a file they depend on changed since
the parts were last written (``read.json`` records the size and time of
the data files, the templates and the pipeline's code): a dry run or a
build with nothing new reads no data and writes nothing. What was read is
kept (:func:`read_evidence`), so that the ``evidence`` rule, run in the
same process when its files are still as they were, does not read them
again. The parts are
read with the checks of the ``evidence`` rule, so a consumer need not wait
for it. When the data cannot be read here, the parts
are left as they were (a missing one is written empty), the consumers wait
for ``evidence.json`` (:func:`split` returns None) and the ``evidence`` rule
reports the problem and stops the build. (A consumer must not wait for
``evidence.json`` otherwise, not even as an ``ancient`` input: Snakemake
9.27 does not look at the own inputs of a job downstream of one that runs,
and so would miss a changed part.)
"""

from __future__ import annotations

import json
import os
import pickle
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .files import write_atomic

if TYPE_CHECKING:
    from .kinds import ReviewKind

# The folder of the parts, under the build folder.
PARTS = "parts"
# The names of the templates a template includes, imports or extends (quoted Jinja template names).
INCLUDED = re.compile(r"""(?:include|import|extends|from)\s+["']([^"']+)["']""")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# The evidence read when the workflow was read: the state of its data files, and what was read from them.
_read: dict = {}


def section_part_path(build: str, section: str) -> str:
    """The part of section *section*."""
    return f"{build}/{PARTS}/sections/{section}.json"


def figure_part_path(build: str, figure: str) -> str:
    """The part of figure *figure* (its name, e.g. ``designs``)."""
    return f"{build}/{PARTS}/figures/{figure}.json"


def write_if_changed(path: str, data) -> bool:
    """Write *data* as JSON to *path* unless the file already holds these bytes (then it keeps its time);
    True when written. A part is read by the build only: compact JSON, keys sorted (Python's C encoder; an
    indented dump takes its Python encoder, 3.6 times as long: 0.2 s of every Metapsy build's start)."""
    content = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    try:
        if Path(path).read_bytes() == content:
            return False
    except OSError:
        pass
    write_atomic(path, content)
    return True


def template_names(template: str, folders: list[str]) -> set[str]:
    """Every identifier in the text of *template* (a path) and of the templates it includes, imports or
    extends (looked up in *folders*, the review's first): the names it may read."""
    seen: set[str] = set()
    names: set[str] = set()
    queue = [template]
    while queue:
        path = queue.pop()
        if path in seen or not os.path.isfile(path):
            continue
        seen.add(path)
        text = Path(path).read_text(encoding="utf-8")
        names.update(IDENTIFIER.findall(text))
        for name in INCLUDED.findall(text):
            queue.extend(os.path.join(folder, name) for folder in folders)
    return names


def section_part(kind: ReviewKind, evidence: dict, names: set[str]) -> dict:
    """What a section whose templates name *names* reads of *evidence*: the study rows cut to the kind's
    :attr:`~livingreview.kinds.ReviewKind.section_columns` and the columns named (the whole evidence when
    the kind does not say)."""
    if kind.section_columns is None:
        return evidence
    keep = set(kind.section_columns) | names
    return dict(evidence, studies=[{k: v for k, v in row.items() if k in keep} for row in evidence["studies"]])


def state(files: list[str], allow_invisible: bool) -> list:
    """The size and modification time of each of *files* (None for a missing one), with the setting that
    changes how the data are read: what the parts were last written from."""
    found = []
    for path in files:
        try:
            info = os.stat(path)
            found.append([path, info.st_size, info.st_mtime_ns])
        except OSError:
            found.append([path, None])
    return [allow_invisible, found]


def read_evidence(kind: ReviewKind, data: dict[str, str], allow_invisible: bool = False) -> tuple[dict, str]:
    """``kind.read_evidence(data, allow_invisible)``: what :func:`split` read, when the data files are as they
    were then (their sizes and times; a new, independent copy each time), else read now."""
    now = state(list(data.values()), allow_invisible)
    if _read.get("kind") == kind.name and _read.get("state") == now:
        return pickle.loads(_read["evidence"]), _read["summary"]
    return kind.read_evidence(data, allow_invisible)


def split(kind: ReviewKind, data: dict[str, str], build: str, section_templates: dict[str, str],
          folders: list[str], code: list[str], allow_invisible: bool = False) -> list[str] | None:
    """Read the data files of a review of *kind* (*data*: config key -> path) and write each consumer's part
    under *build* when it changed: one per section (*section_templates*: name -> template path, *folders*:
    the template folders) and one per figure. The data are not read when neither they, the files under
    *folders* nor those of *code* (the pipeline's) changed since the parts were written. The parts
    written (none when nothing changed); None when the files cannot be read (then only the missing parts
    are written, empty: the ``evidence`` rule reports the problem)."""
    paths = {**{section_part_path(build, s): s for s in section_templates},
             **{figure_part_path(build, f.name): f for f in kind.figures}}
    templates = sorted(str(path) for folder in folders for path in Path(folder).rglob("*") if path.is_file())
    now = state([*data.values(), *templates, *code], allow_invisible)
    record = f"{build}/{PARTS}/read.json"
    try:
        if json.loads(Path(record).read_text(encoding="utf-8")) == now and all(map(os.path.isfile, paths)):
            return []
    except (OSError, ValueError):
        pass
    _read.clear()
    before = state(list(data.values()), allow_invisible)
    try:
        evidence, summary = kind.read_evidence(data, allow_invisible)
    except Exception:  # noqa: BLE001 - whatever stops the reading here, the evidence rule reports it
        missing = [path for path in paths if not os.path.isfile(path)]
        for path in missing:
            write_if_changed(path, {})
        return None
    written = []
    for section, template in section_templates.items():
        path = section_part_path(build, section)
        if write_if_changed(path, section_part(kind, evidence, template_names(template, folders))):
            written.append(path)
    for figure in kind.figures:
        path = figure_part_path(build, figure.name)
        if write_if_changed(path, kind.figure_part(figure.name, evidence)):
            written.append(path)
    write_if_changed(record, now)
    _read.update(kind=kind.name, state=before, evidence=pickle.dumps(evidence), summary=summary)
    return written
