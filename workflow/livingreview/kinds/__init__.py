"""Kinds of review (config key ``kind``): each a plugin of one small protocol, :class:`ReviewKind`.

The workflow is the same for every kind: one ``evidence`` rule, one
``sections`` rule, one rule per figure of the kind's list, one ``snapshot``
and one ``changes`` rule (``workflow/rules/*.smk``). What differs between a
narrative review and a meta-analysis is asked of the kind's plugin, never of
its name:

- :attr:`ReviewKind.data_files`: the config keys naming its data files (the
  review metadata and the bibliography come with every kind);
- :meth:`ReviewKind.read_evidence`: those files read and cross-checked into
  the content of ``evidence.json``;
- :attr:`ReviewKind.synthesis`: whether it pools effects into
  ``synthesis.csv`` (rule ``synthesis``), which its sections, figures and
  snapshot then read too;
- :attr:`ReviewKind.sections`: the sections of its article, in order (and
  :attr:`ReviewKind.section_files`: those published as files of their own),
  whose templates are the review's own or else the kind's defaults
  (:attr:`ReviewKind.default_templates`);
- :meth:`ReviewKind.publication_warnings`: what a build warns about (and a
  ``strict`` build refuses to publish);
- :meth:`ReviewKind.section_context`: the names a section template receives;
- :attr:`ReviewKind.figures`: its figures (:class:`Figure`);
- :attr:`ReviewKind.release_files`: its release files besides the figures
  and those of every review;
- :meth:`ReviewKind.snapshot_parts` and :meth:`ReviewKind.compare`: what its
  evidence snapshot holds beyond every kind's, and what its changes report
  states (written by :attr:`ReviewKind.changes_template`).

:func:`get` maps the config's ``kind`` to its plugin (:data:`KINDS`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from ..compare import compare as compare_snapshots
from ..errors import LivingReviewError
from ..project import MANIFEST, RELEASE_FILES, SECTIONS

# The data files every kind of review reads besides its own (config keys).
COMMON_DATA_FILES = ("review", "bibliography")


@dataclass(frozen=True)
class Figure:
    """A figure of a kind of review: one rule and one job each (``workflow/rules/figures.smk``).

    *name* prefixes the ids inside the SVG and names the picture for the Word
    file; *path* is its release file; *function* names the function of
    :mod:`livingreview.stages.figures` that draws it (its rule is named after
    it), called with one path argument per name of *inputs* (``evidence``:
    evidence.json, ``synthesis``: synthesis.csv, ``published``: the published
    release's snapshot) and ``out``, ``picture`` and ``log``. It is named, not
    imported: the plugins, which the evidence, sections and changes stages
    use, do not import matplotlib's stage, so an edit of it re-runs the figure
    rules only (each rule's code is what its stage imports).
    """

    name: str
    path: str
    function: str
    inputs: tuple[str, ...]

    @property
    def rule(self) -> str:
        """The name of the rule that draws it: its drawing function's."""
        return self.function


class ReviewKind(ABC):
    """The protocol of a kind of review (see the module's docstring); a plugin subclasses it.

    The attributes are class attributes of the plugin; it implements the
    abstract methods, and overrides the others where it has more to say
    than a kind without pooled effects.
    """

    #: The value of the config key ``kind``.
    name: str = ""
    #: The config keys naming the kind's own data files, as the ``evidence`` rule's inputs (with
    #: ``methods_bibliography``, the works its templates cite, read with the bibliography:
    #: :func:`livingreview.stages.evidence.read_references`).
    data_files: tuple[str, ...] = ()
    #: True when the kind pools effects into ``synthesis.csv`` (rule ``synthesis``).
    synthesis: bool = False
    #: Its figures, in the order of the article.
    figures: tuple[Figure, ...] = ()
    #: Its release files besides the figures and those of every review.
    release_files: tuple[str, ...] = ()
    #: The template of its changes report.
    changes_template: str = "changes/changes.md.j2"
    #: The sections of its article in document order: one template (``sections/<name>.md.j2``) and one
    #: job each.
    sections: tuple[str, ...] = SECTIONS
    #: Sections published as release files of their own too: section name -> release file.
    section_files: dict[str, str] = {}
    #: The folder of the kind's default templates inside the shared ``templates/`` (looked up after the
    #: review's own ``templates/`` and before the shared folder itself: a review overrides a default by a
    #: file of the same name, e.g. ``templates/sections/results.md.j2``); None when the shared folder's
    #: own templates are the kind's.
    default_templates: str | None = None
    #: The study columns :meth:`section_context` itself reads: a section's part of the evidence
    #: (:mod:`livingreview.parts`) keeps these and the columns its template names; None: the whole evidence.
    section_columns: tuple[str, ...] | None = None

    def all_data_files(self) -> tuple[str, ...]:
        """Every config key naming a data file the kind reads: its own, the review metadata, the bibliography."""
        return (*self.data_files, *COMMON_DATA_FILES)

    @abstractmethod
    def read_evidence(self, data: dict[str, str], allow_invisible: bool = False) -> tuple[dict, str]:
        """The data files (*data*: config key -> path, :meth:`all_data_files`) read and cross-checked:
        the content of ``evidence.json`` and a one-line summary for the log. Every problem found is
        raised together (a :class:`~livingreview.errors.LivingReviewError`)."""

    @abstractmethod
    def section_context(self, evidence: dict, synthesis: dict | None) -> dict:
        """The names a section template receives, from the evidence and (when :attr:`synthesis`) the
        synthesis table (rows by analysis and level, cells as text; else None)."""

    def section_problems(self, section: str, text: str, names: dict) -> list[LivingReviewError]:
        """What is wrong with section *section* as rendered (*text*, from the template names *names*), each
        naming its fix; the sections stage publishes nothing while there is any. None here."""
        return []

    def publication_warnings(self, evidence: dict) -> list[LivingReviewError]:
        """What the evidence would publish that it should not without the author's consent, each a warning
        at every build (``strict``: an error) naming its fix; none here."""
        return []

    def figure_part(self, figure: str, evidence: dict) -> dict:
        """What figure *figure* (its name) reads of *evidence*, as the evidence is shaped (its part,
        :mod:`livingreview.parts`: an edit of anything else does not re-draw it); here the whole evidence."""
        return evidence

    def snapshot_parts(self, evidence: dict, synthesis: list[dict[str, str]] | None) -> dict:
        """What the kind's evidence snapshot holds beyond every kind's (none here)."""
        return {}

    def compare(self, baseline: dict | None, snapshot: dict) -> dict:
        """The names the changes template receives: ``changes`` (a :class:`~livingreview.compare.Changes`,
        from *baseline*, None for the first release, to *snapshot*) and the kind's own."""
        return {"changes": compare_snapshots(baseline, snapshot)}

    def all_release_files(self) -> tuple[str, ...]:
        """The release of a review of this kind: the files of every review
        (:data:`livingreview.project.RELEASE_FILES`), the kind's own and its figures, the manifest last."""
        return (*RELEASE_FILES[:-1], *self.release_files, *self.section_files.values(),
                *sorted(self.figure_files().values()), MANIFEST)

    def figure_files(self) -> dict[str, str]:
        """Each figure's name -> its release file."""
        return {figure.name: figure.path for figure in self.figures}


def _registry() -> dict[str, ReviewKind]:
    """The plugins by name (imported here, once this module has defined what they import from it)."""
    from .meta_analysis import MetaAnalysis
    from .narrative import Narrative

    return {plugin.name: plugin for plugin in (Narrative(), MetaAnalysis())}


KINDS: dict[str, ReviewKind] = _registry()


def get(name: str) -> ReviewKind:
    """The plugin of the kind of review *name* (the config's ``kind``, checked against the config schema)."""
    return KINDS[name]
