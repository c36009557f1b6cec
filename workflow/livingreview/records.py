"""Plain records shared by the steps: a bibliography entry and a name."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Name:
    """One person's (or body's) name, split as BibTeX splits it."""

    family: str
    given: str = ""
    von: str = ""
    suffix: str = ""

    @property
    def is_others(self) -> bool:
        """BibTeX's ``and others`` at the end of a name list: more authors, not named ("et al.")."""
        return self.family == "others" and not (self.given or self.von or self.suffix)


@dataclass
class Reference:
    """One bibliography entry with decoded Unicode fields."""

    key: str
    entry_type: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    authors: list[Name] = field(default_factory=list)
    editors: list[Name] = field(default_factory=list)
    # Field name -> the texts the entry protects from case changes with braces ("{SSRIs}"), decoded.
    protected: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Return the entry as JSON-ready data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Reference:
        """Rebuild an entry from :meth:`to_dict` output."""
        data = dict(data)
        data["authors"] = [Name(**n) for n in data.get("authors", [])]
        data["editors"] = [Name(**n) for n in data.get("editors", [])]
        return cls(**data)
