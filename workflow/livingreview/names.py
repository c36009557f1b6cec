"""Format personal names for reference lists."""

from __future__ import annotations

from collections.abc import Sequence

from .records import Name


def initials(given: str, with_periods: bool = True) -> str:
    """Initials of *given* names: "Hans-Peter" -> "H.-P.", "Robbie C. M." -> "R. C. M.".

    Already-initialled names keep their initials; "John PA" (a Google
    Scholar habit) gives "J. P. A.".
    """
    mark = "." if with_periods else ""
    letters: list[str] = []
    for word in given.replace(".", ". ").split():
        word = word.strip(".")
        if not word:
            continue
        if word.isalpha() and word.isupper() and 2 <= len(word) <= 3:
            letters.extend(ch + mark for ch in word)  # run-together initials
        else:
            letters.append("-".join(part[0] + mark for part in word.split("-") if part))
    return (" " if with_periods else "").join(letters)


def full_name(name: Name) -> str:
    """The whole name in reading order: "Robbie C. M. van Aert", "John Doe Jr."."""
    text = " ".join(p for p in [name.given, name.von, name.family] if p)
    return f"{text} {name.suffix}" if name.suffix else text


def name_initials_first(name: Name) -> str:
    """"B. Johnsen", "R. C. M. van Aert", "J. Doe Jr."; a body keeps its full name."""
    parts = [initials(name.given), name.von, name.family]
    text = " ".join(p for p in parts if p)
    return f"{text} {name.suffix}" if name.suffix else text


def name_family_first(name: Name) -> str:
    """Vancouver form: "Johnsen B", "van Aert RCM", "Doe J Jr"."""
    family = " ".join(p for p in [name.von, name.family] if p)
    text = f"{family} {initials(name.given, with_periods=False)}".strip()
    return f"{text} {name.suffix.rstrip('.')}" if name.suffix else text


def name_apa(name: Name) -> str:
    """APA form: "Johnsen, B.", "van Aert, R. C. M."."""
    family = " ".join(p for p in [name.von, name.family] if p)
    given = initials(name.given)
    text = f"{family}, {given}" if given else family
    return f"{text}, {name.suffix}" if name.suffix else text


def named(names: Sequence[Name]) -> tuple[list[Name], bool]:
    """The names of a list, and whether it ends with BibTeX's ``and others`` (more, unnamed)."""
    names = list(names)
    more = bool(names) and names[-1].is_others
    return [name for name in names if not name.is_others], more


def author_list(names: Sequence[Name], style: str = "initials-first", limit: int = 6, keep: int = 6,
                et_al: str = "et al.", separator: str = ", ") -> str:
    """Join *names*; with more than *limit* (or ``and others``), keep the first *keep* and add *et_al*."""
    names, more = named(names)
    formatter = {"initials-first": name_initials_first, "family-first": name_family_first}[style]
    shortened = len(names) > limit
    text = separator.join(formatter(n) for n in (names[:keep] if shortened else names))
    return f"{text}{separator}{et_al}" if shortened or more else text


def apa_author_list(names: Sequence[Name]) -> str:
    """APA author list: "Johnsen, B., Hansen, K., & Olsen, A."; over twenty (or ``and others``): the
    first nineteen (or those named) and "et al."."""
    names, more = named(names)
    shown = [name_apa(n) for n in names[:19]] if len(names) > 20 else [name_apa(n) for n in names]
    if len(names) > 20 or more:
        return ", ".join(shown) + ", et al."
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + ", & " + shown[-1]
