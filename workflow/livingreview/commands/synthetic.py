"""Synthetic evidence at any size, for the scale benchmark and the tests of large reviews.

:func:`write_review` fills a review folder's ``data/`` and ``references.bib``
with *n* valid studies spread over the seed review's themes (their
statements keep their evidence), each with a ``@article`` entry, findings of
a few sentences and names from several scripts. The same *n* and *seed*
always give the same bytes.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
from pathlib import Path

FAMILY = ["Johnsen", "Hansen", "Olsen", "Müller", "Nyström", "García", "Ødegård", "Kowalski", "Nguyen", "Okafor",
          "Ivanova", "Tanaka", "Haddad", "Kim", "O'Brien", "van der Berg", "Døssing", "Łukasiewicz", "Şahin", "Chen"]
GIVEN = ["Anna", "Bjørn", "Carla", "Dmitri", "Eva", "Farid", "Grete", "Hiro", "Ingrid", "Jonas", "Kari", "Lars"]
WORDS = ("depression psychotherapy medication outcomes trial relapse remission adherence alliance cognitive "
         "behavioural interpersonal remote community primary care adolescents older adults severity follow-up "
         "response symptoms functioning quality of life cost effectiveness").split()
DESIGNS = ["randomized-controlled-trial", "systematic-review", "meta-analysis", "network-meta-analysis",
           "follow-up-study", "cohort-study", "comparative-study", "narrative-review"]
COLUMNS = ["key", "theme", "status", "design", "population", "intervention", "comparator", "introduction",
           "description_lead", "description"]


def sentence(rng: random.Random, words: int) -> str:
    """A sentence of *words* words from :data:`WORDS`, capitalised and ending with a full stop."""
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def studies_and_bibliography(n: int, themes: list[str], seed: int = 1) -> tuple[str, str]:
    """The study table (CSV) and the bibliography (BibTeX) of *n* synthetic included studies."""
    rng = random.Random(seed)
    rows, entries = [], []
    for index in range(n):
        key = f"study{index + 1:05d}"
        rows.append({
            "key": key, "theme": themes[index % len(themes)], "status": "included",
            "design": DESIGNS[index % len(DESIGNS)], "population": f"adults with depression (cohort {index % 37})",
            "intervention": rng.choice(["psychotherapy", "CBT", "IPT", "behavioural activation"]),
            "comparator": rng.choice(["medication", "SSRIs", "usual care", "waiting list"]),
            "introduction": " ".join(sentence(rng, rng.randint(8, 16)) for _ in range(2)),
            "description_lead": sentence(rng, rng.randint(10, 18)),
            "description": " ".join(sentence(rng, rng.randint(8, 16)) for _ in range(2)),
        })
        authors = " and ".join(f"{rng.choice(FAMILY)}, {rng.choice(GIVEN)}" for _ in range(rng.randint(1, 8)))
        year = 1990 + index % 35
        entries.append(f"@article{{{key},\n  author  = {{{authors}}},\n  title   = {{{sentence(rng, 9)[:-1]}}},\n"
                       f"  journal = {{Journal of {rng.choice(WORDS).title()} Studies}},\n"
                       f"  volume  = {{{index % 60 + 1}}},\n  year    = {{{year}}},\n"
                       f"  pages   = {{{index % 900 + 1}--{index % 900 + 12}}},\n"
                       f"  doi     = {{10.5555/synthetic.{index + 1}}},\n}}\n")
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return table.getvalue(), "\n".join(entries)


def write_review(folder: Path, n: int, template: Path, seed: int = 1) -> None:
    """Make the review folder *folder* hold *n* synthetic studies: the themes and metadata of the
    review folder *template*, and generated studies and bibliography."""
    shutil.copytree(template / "data", folder / "data", dirs_exist_ok=True)
    themes = [row["theme"] for row in csv.DictReader(io.StringIO((folder / "data" / "themes.csv").read_text()))]
    studies, bibliography = studies_and_bibliography(n, themes, seed)
    (folder / "data" / "studies.csv").write_text(studies, encoding="utf-8")
    (folder / "references.bib").write_text(bibliography, encoding="utf-8")
