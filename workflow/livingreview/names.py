"""Personal names in reading order, for the documents' metadata (the reference styles format names
themselves: they are CSL files, see :mod:`livingreview.citeproc`)."""

from __future__ import annotations

from .records import Name


def full_name(name: Name) -> str:
    """The whole name in reading order: "Robbie C. M. van Aert", "John Doe Jr."."""
    text = " ".join(p for p in [name.given, name.von, name.family] if p)
    return f"{text} {name.suffix}" if name.suffix else text


# How the address for correspondence names the corresponding author (data/review.yaml:
# journal.correspondence_name): in reading order, or the given name and the family name with a comma between
# them, as the seed review's journal prints it ("Nils, Berg").
CORRESPONDENCE_NAMES = {"given family": "{given} {family}", "given, family": "{given}, {family}"}


def correspondence_name(review: dict, author: dict) -> str:
    """*author*'s name as the address for correspondence of *review* prints it (the article and the JATS
    ``<corresp>``): "Ada Example", or "Ada, Example" where the journal's ``correspondence_name`` is
    "given, family"."""
    form = review["journal"].get("correspondence_name", "given family")
    return CORRESPONDENCE_NAMES[form].format(given=author["given"], family=author["family"])
