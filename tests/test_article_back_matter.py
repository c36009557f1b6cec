"""The back matter the article prints (templates/article.md.j2, rendered as the stage article renders it):
the address for correspondence names the corresponding author as a name ("Ada Example"), or as the
review's journal prints it (the seed's: "Nils, Berg"); the JATS <corresp> says the same. The version note
links to the changes report where the review's releases are published (`release_url`), so that the link
works in a downloaded PDF, Word or JATS file too; relative only when the review does not say."""

from __future__ import annotations

import re

import yaml
from conftest import ROOT
from livingreview.jats import changes_report, correspondence
from livingreview.names import correspondence_name
from livingreview.stages.article import front_matter, journal_date
from livingreview.templates import Templates

METAPSY = ROOT / "examples" / "metapsy-depression"


def review_of(folder) -> dict:
    """A review's metadata as evidence.json holds it (dates as text)."""
    review = yaml.safe_load((folder / "data" / "review.yaml").read_text(encoding="utf-8"))
    review["dates"] = {name: str(day) for name, day in review["dates"].items()}
    for earlier in review.get("previous_versions") or []:
        earlier["published"] = str(earlier["published"])
    return review


def article(review: dict) -> str:
    """templates/article.md.j2 rendered for *review* as the stage article renders it (no sections)."""
    return Templates([ROOT / "templates"]).render(
        "article.md.j2", review=review, front_matter=front_matter(review), journal_date=journal_date,
        correspondence_name=correspondence_name, sections={}, references="")


def address(text: str) -> str:
    return re.search(r"^\*\*\\\*Address for Correspondence:\*\* (.*)$", text, re.M).group(1)


def test_the_address_for_correspondence_names_the_author_in_reading_order():
    review = review_of(METAPSY)
    assert address(article(review)).startswith("Ada Example, livingreview project")
    assert "Address for Correspondence: Ada Example, livingreview project" in correspondence(review)


def test_the_seed_keeps_its_journal_s_given_comma_family():
    review = review_of(ROOT)
    assert review["journal"]["correspondence_name"] == "given, family"
    assert address(article(review)).startswith("Nils, Berg, Department of Psychiatry")
    assert "Address for Correspondence: Nils, Berg, Department" in correspondence(review)


def version_note(text: str) -> str:
    return re.search(r"^\*\*Version:\*\* (.*)$", text, re.M).group(1)


def test_the_version_note_links_to_the_changes_report_where_the_release_is_published():
    review = review_of(METAPSY)
    url = "https://example.org/livingreview/metapsy-depression/releases/2.0.0/changes.html"
    assert version_note(article(review)).endswith(
        f"What changed since version 1.0.0, and why, is in the changes report published with this version "
        f"([{url}]({url})).")
    assert f'xlink:href="{url}"' in changes_report(review)


def test_without_the_address_of_its_releases_the_link_stays_relative():
    review = review_of(METAPSY)
    del review["release_url"]
    assert version_note(article(review)).endswith("published with this version ([changes.html](changes.html)).")
    assert 'xlink:href="changes.html"' in changes_report(review)
