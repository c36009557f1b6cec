"""Personal names in reading order, for the documents' metadata (the reference styles format names
themselves: they are CSL files, see :mod:`livingreview.citeproc`)."""

from __future__ import annotations

from .records import Name


def full_name(name: Name) -> str:
    """The whole name in reading order: "Robbie C. M. van Aert", "John Doe Jr."."""
    text = " ".join(p for p in [name.given, name.von, name.family] if p)
    return f"{text} {name.suffix}" if name.suffix else text
