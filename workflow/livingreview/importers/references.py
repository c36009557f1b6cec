"""Parse free-text references (as evidence databases keep them) into structured bibliography entries.

Two styles cover the Metapsy databases: APA-like (``Family, I., & Other, J.
(2017). Title. Journal, 71(3), 223-229. doi:...``) and Vancouver-like
(``Family IJ, Other J, et al. Title. Journal. 2012;7(4):e35330.``), with
their usual variants (a date after the year, "Journal 2018; 22(1): 86-101",
an EndNote-style quoted title, no volume for an article ahead of print).

No maintained offline parser did this well (refextract expects physics
references; refparse, Web of Science and Scopus exports), so this one is
small, tested on the real strings (tests/fixtures/metapsy/) and honest: a
string it cannot split is not guessed at. :func:`parse_reference` returns
what it found and, for an entry that is not a complete structured
``@article`` (authors, title, journal, year, and the volume and pages the
string has), the reasons; the importer keeps such an entry as ``@misc``
(or an ``@article`` without what is missing) and names it in its report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..markdown import normalize_space

# The parts of a person's name, as BibTeX stores them ("Family, Given" or "Family, Suffix, Given").
Person = tuple[str, str, str]  # (family, given, suffix)
OTHERS: Person = ("others", "", "")  # "et al.": BibTeX's "and others"

# White space that markdown.normalize_space does not collapse (no-break spaces, thin spaces, ...).
_OTHER_SPACES = re.compile(r"[^\S \t\r\n]")
# What goes with a URL when it is dropped: "Retrieved from", "Available from:", "Available at".
_URL_NOTE = r"(?:\b(?:Retrieved|Available)\s+(?:from|at)\s*:?\s*)?"
# A DOI, written "doi:10...", "https://doi.org/10...", or both at once ("doi:https://doi.org/10...").
_DOI = re.compile(_URL_NOTE + r"(?:(?:\bdoi:\s*)?https?://(?:dx\.)?doi\.org/|\bdoi:\s*)(10\.\d{4,9}/\S+)",
                  re.IGNORECASE)
_URL = re.compile(_URL_NOTE + r"https?://\S+", re.IGNORECASE)
# Database annotations after a title: "[Article]", "[Journal Article; Randomized Controlled Trial]".
_ANNOTATION = re.compile(r"\s*\[(?:[A-Z][a-z]+(?: [A-Za-z][a-z]+)*)(?:; [A-Z][a-z]+(?: [A-Za-z][a-z]+)*)*\]")
_DASHES = "-\u2010\u2011\u2012\u2013\u2014"
_APA_HEAD = re.compile(r"^(?P<authors>.+?)\s*\((?P<year>\d{4})[a-z]?(?:,[^)]*)?\)\.?\s*(?P<rest>.*)$")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
# Vancouver's tail: "[.] 2012[ Jul 15];7(4):e35330." -- year, then optional volume(issue) and pages.
_VANCOUVER_TAIL = re.compile(
    r"^(?P<head>.*?)[.?!]?\s+(?P<year>(?:1[89]|20)\d\d)(?:\s+[A-Z][a-z]{2}(?:\s+\d{1,2})?)?"
    r"\s*(?:;\s*(?P<volume>[^(:;]*?)\s*(?:\((?P<number>[^)]*)\))?)?\s*(?::\s*(?P<pages>[^;]+?))?"
    r"(?:;\s*(?:discussion|author reply)[^;]*)?\s*\.?$")
# EndNote's source after a quoted title: "J Psychosom Res 149: 110594", "J Med Internet Res 23(3): e24380".
_ENDNOTE_SOURCE = re.compile(r"^(?P<journal>.*?[A-Za-z)])\s+(?P<volume>\d+\w*)(?:\s*\((?P<number>[^)]*)\))?"
                             r"(?:\s*:\s*(?P<pages>\S+))?$")
_PAGES = re.compile(rf"^(?:Article ID )?[A-Za-z]?\d+[A-Za-z]?(?:\s*[{_DASHES}]\s*[A-Za-z]?\d+[A-Za-z]?)?$")
_VOLUME = re.compile(r"^(?P<volume>[^()]*\d[^()]*?)\s*(?:\((?P<number>[^()]*)\))?$")
# A Vancouver name: "Lustman PJ", "Laurenceau J-P", "Williams JW Jr", "Torres Á J" (initials are letters of any
# script, in upper case: see _initials_ok).
_LETTER = r"[^\W\d_]"
_VANCOUVER_NAME = re.compile(rf"^(?P<family>\S.*?)(?:\s+(?P<suffix1>Jr|Sr))?\s+(?P<given>{_LETTER}{{1,4}}"
                             rf"(?:-{_LETTER}{{1,2}})?|{_LETTER}(?:\s{_LETTER})+|[A-Z][a-z])"
                             r"(?:\s+(?P<suffix2>Jr|Sr|II|III|IV))?\.?$")
# APA initials: "J.", "M. U.", "C.-Y.", "A.R" (a letter, or a capital and a small letter, each with a period,
# except the last; never a short family name such as "Au" or "Ng").
_INITIALS = re.compile(r"^(?:[A-Z\u00c0-\u00de](?:[a-z]\.|\.)?(?:\s|-)?)*[A-Z\u00c0-\u00de](?:[a-z]?\.)?$")
_SENTENCE_BREAK = re.compile(r"(?<=[.?!])\s+(?=\S)")
# Completeness checks (field_problems). A journal cut short in the source ("Journal of", "Behaviour Research
# and") ends in one of these words; a journal holding a DOI or a URL note is not one; a title that ends in a
# journal, volume and pages ("... Group. Bmj, 321(7274), 1450-1454", or Vancouver's "... Trial. J Affect
# Disord. 2019;245:1-9") has swallowed its source.
_CUT_SHORT = re.compile(r"(?:\b(?:of|and|the)|&)$", re.IGNORECASE)
_NOT_A_JOURNAL = re.compile(r"\bdoi\b|\bretrieved\b|\bavailable (?:from|at)\b|https?:|www\.", re.IGNORECASE)
_JOURNAL_TAIL = re.compile(
    rf"[.?!]\s+[A-Z][^.?!]*?,\s*\d+\s*(?:\([^)]*\))?\s*,\s*[A-Za-z]?\d+(?:\s*[{_DASHES}]\s*[A-Za-z]?\d+)?\s*$"
    r"|[.?!]\s+[A-Z][^;]*?\.?\s+(?:1[89]|20)\d\d\s*;\s*\d+")


@dataclass
class ParsedReference:
    """What :func:`parse_reference` found in one string."""

    entry_type: str  # "article" or "misc"
    authors: list[Person] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # why the entry is not complete (empty: it is)
    style: str = ""  # "apa", "vancouver" or "" (neither recognised)

    @property
    def complete(self) -> bool:
        """True for a complete structured @article: authors, title, journal, year, and what the string had."""
        return self.entry_type == "article" and not self.problems


def _one_line(text: str) -> str:
    """*text* with every run of white space (line breaks, no-break spaces) one space, none at the ends."""
    return normalize_space(_OTHER_SPACES.sub(" ", text))


def expand_page_range(pages: str) -> str:
    """A page range with its dash normalised to "-" and an abbreviated end written out:
    "707‐16" -> "707-716", "1003-10" -> "1003-1010", "E13-E22" stays; a single page stays."""
    parts = re.split(rf"\s*[{_DASHES}]\s*", pages.strip())
    if len(parts) != 2:
        return pages.strip()
    first, last = parts
    prefix = re.match(r"^[A-Za-z]*", first).group(0)
    digits = first[len(prefix):]
    if digits.isdigit() and last.isdigit() and len(last) < len(digits):
        last = prefix + digits[: len(digits) - len(last)] + last
    return f"{first}-{last}"


def _capitals(text: str, most: int) -> bool:
    """True when *text* is 1 to *most* letters, each in upper case (of any script: "PJ", "ÁJ", "ÖÇ")."""
    return 1 <= len(text) <= most and all(letter.isalpha() and letter.isupper() for letter in text)


def given_initials(given: str) -> str:
    """Initials as BibTeX keeps them: "TA" -> "T. A.", "Á J" -> "Á. J.", "J-P" -> "J.-P.", "M. U." stays."""
    given = given.strip()
    letters = given.replace(" ", "")
    if _capitals(letters, 4):
        return " ".join(f"{letter}." for letter in letters)
    parts = given.split("-")
    if len(parts) == 2 and all(_capitals(part, 2) for part in parts):
        return "-".join(" ".join(f"{letter}." for letter in part) for part in parts)
    return given


def _initials_ok(given: str) -> bool:
    """True for Vancouver initials: capitals of any script ("PJ", "Á J", "J-P"), or a capital and a small
    letter ("Ch")."""
    return bool(re.fullmatch(r"[A-Z][a-z]", given)) or _capitals(given.replace(" ", "").replace("-", ""), 6)


def split_doi(text: str) -> tuple[str, str, bool]:
    """(*text* without its DOI and URLs, the DOI or "", whether a URL that is no DOI was dropped)."""
    match = _DOI.search(text)
    doi = match.group(1).rstrip(".,;") if match else ""
    if match:
        text = text[: match.start()] + text[match.end():]
    dropped = bool(_URL.search(text))
    text = _URL.sub("", text)
    return _one_line(text).rstrip(" ,;"), doi, dropped


def parse_apa_authors(text: str) -> list[Person] | None:
    """APA authors ("Family, I. J., Other, K., . . . Last, L." with "&" and "et al."); None if not that."""
    text = text.replace("\u2026", "...").replace(". . .", "...")
    # "First, A., ..., Sixth, F., . . . Last, L.": BibTeX cannot leave a gap, so the list ends in "and others".
    truncated = "..." in text
    text = text.split("...")[0].replace("&", ",")
    pieces = [p.strip() for p in text.split(",")]
    pieces = [p for p in pieces if p]
    people: list[Person] = []
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        if re.fullmatch(r"et al\.?", piece):
            people.append(OTHERS)
            i += 1
            continue
        if i + 1 < len(pieces) and _INITIALS.fullmatch(pieces[i + 1]):
            people.append((piece, _dotted(pieces[i + 1]), ""))
            i += 2
            continue
        return None
    if truncated and people and people[-1] != OTHERS:
        people.append(OTHERS)
    return people or None


def _dotted(initials: str) -> str:
    """APA initials with a period after each letter: "A.R" -> "A. R.", "J.-P." stays."""
    initials = re.sub(r"(?<=[A-Za-z\u00c0-\u00de])(?=\s|$)", ".", initials.strip())
    return re.sub(r"\.(?=[A-Z])", ". ", initials)


def parse_vancouver_authors(text: str) -> list[Person] | None:
    """Vancouver authors ("Family IJ, Other K, et al"); None when a piece is not such a name."""
    people: list[Person] = []
    for piece in (p.strip() for p in text.split(",")):
        if re.fullmatch(r"et al\.?", piece):
            people.append(OTHERS)
            continue
        match = _VANCOUVER_NAME.fullmatch(piece)
        if not match or any(ch.isdigit() for ch in piece) or not _initials_ok(match.group("given")):
            return None
        suffix = match.group("suffix1") or match.group("suffix2") or ""
        people.append((match.group("family"), given_initials(match.group("given")), suffix))
    return people or None


def split_title_source(text: str) -> tuple[str, str]:
    """("Title", "Source") at the last sentence break of *text*; ("Title", "") when there is none."""
    breaks = list(_SENTENCE_BREAK.finditer(text))
    if not breaks:
        return text.strip().rstrip("."), ""
    last = breaks[-1]
    title = text[: last.start()].strip()
    return (title[:-1] if title.endswith(".") else title), text[last.end():].strip()


def parse_apa_source(source: str) -> dict[str, str]:
    """"Journal, 71(3), 223-229" -> journal, volume, number, pages (the journal may hold commas)."""
    source = re.sub(r"\s*\((?:no pagination|in press)\)", "", source.strip().rstrip(".").strip(), flags=re.IGNORECASE)
    quoted = _ENDNOTE_SOURCE.fullmatch(source)
    if "," not in source and quoted:
        return {k: v for k, v in quoted.groupdict().items() if v}
    parts = [p.strip() for p in source.split(",")]
    found: dict[str, str] = {}
    numeric: list[str] = []
    while len(parts) > 1 and (_PAGES.fullmatch(parts[-1]) or _VOLUME.fullmatch(parts[-1])) and len(numeric) < 2:
        numeric.insert(0, parts.pop())
    if len(numeric) == 1 and not re.search(rf"\d\s*[{_DASHES}]\s*\w", numeric[0]):
        numeric = [numeric[0], ""]  # a single number after the journal is its volume
    elif len(numeric) == 1:
        numeric = ["", numeric[0]]
    if numeric:
        volume = _VOLUME.fullmatch(numeric[0]) if numeric[0] else None
        if numeric[0] and not volume:
            return {"journal": source}
        if volume:
            found["volume"] = volume.group("volume").strip()
            if volume.group("number"):
                found["number"] = volume.group("number").strip()
        if numeric[1]:
            found["pages"] = numeric[1]
    found["journal"] = ", ".join(parts).strip()
    return found


def _clean_title(title: str) -> str:
    """A title without surrounding quotes, database annotations or a final period."""
    title = _ANNOTATION.sub("", title).strip()
    if len(title) > 1 and title[0] in "\"\u201c" and title[-1] in "\"\u201d":
        title = title[1:-1].strip()
    return title.rstrip(". ").strip()


def parse_apa(text: str) -> ParsedReference | None:
    """An APA-like reference, or None when *text* has no "Authors (Year)." head."""
    head = _APA_HEAD.match(text)
    if not head:
        return None
    result = ParsedReference("article", style="apa")
    result.fields["year"] = head.group("year")
    authors = parse_apa_authors(head.group("authors"))
    if authors is None:
        result.problems.append(f'the authors "{head.group("authors")[:60]}" cannot be split into names')
    else:
        result.authors = authors
    rest = head.group("rest").strip()
    quoted = re.match(r"^[\"\u201c](?P<title>.+?[.?!])[\"\u201d]\s*(?P<source>.*)$", rest)
    if quoted:
        title, source = quoted.group("title"), quoted.group("source")
    else:
        title, source = split_title_source(_ANNOTATION.sub("", rest))
    result.fields["title"] = _clean_title(title)
    if source:
        result.fields.update(parse_apa_source(source))
    return result


def parse_vancouver(text: str) -> ParsedReference | None:
    """A Vancouver-like reference, or None when *text* does not start with such an author list."""
    first = re.search(r"(?<!\bet al)\.\s+|(?<=\bet al\.)\s+", text)
    if not first:
        return None
    authors = parse_vancouver_authors(text[: first.start()].rstrip("."))
    if authors is None:
        return None
    result = ParsedReference("article", authors=authors, style="vancouver")
    rest = _ANNOTATION.sub("", text[first.end():]).strip()
    tail = _VANCOUVER_TAIL.fullmatch(rest)
    if not tail:
        result.problems.append("no year after the journal")
        result.fields["title"] = _clean_title(rest)
        return result
    result.fields["year"] = tail.group("year")
    title, journal = split_title_source(tail.group("head"))
    result.fields["title"] = _clean_title(title)
    if journal:
        result.fields["journal"] = journal.rstrip(". ")
    for name in ("volume", "number", "pages"):
        if tail.group(name) and tail.group(name).strip():
            result.fields[name] = tail.group(name).strip()
    return result


def parse_reference(text: str, year: str = "") -> ParsedReference:
    """Parse one free-text reference; *year* (the study's) is used when the string has none.

    The result is a complete ``@article`` when authors, title, journal and
    year were found; otherwise its ``problems`` say what is missing, and an
    entry without a journal becomes ``@misc``.
    """
    clean, doi, _ = split_doi(_one_line(text))
    result = parse_vancouver(clean) or parse_apa(clean)
    if result is None:
        result = ParsedReference("misc", problems=["neither an APA nor a Vancouver reference"])
        match = _YEAR.search(clean)
        result.fields["title"] = _clean_title(clean)
        if match:
            result.fields["year"] = match.group(1)
    if doi:
        result.fields["doi"] = doi
    if "pages" in result.fields:
        result.fields["pages"] = expand_page_range(result.fields["pages"])
    if not result.fields.get("year") and year:
        result.fields["year"] = year
        result.problems.append("no year in the string (the study's year is used)")
    if not result.fields.get("journal"):
        result.entry_type = "misc"
    result.fields = {k: v for k, v in result.fields.items() if v}
    result.problems = list(dict.fromkeys(result.problems + entry_problems(result.entry_type, result.authors,
                                                                            result.fields)))
    return result


def entry_problems(entry_type: str, authors: list, fields: dict[str, str]) -> list[str]:
    """Why an entry is not a complete structured ``@article`` (empty: it is): no author names (*authors*:
    :data:`Person` tuples, or names with a ``family``), no title, no journal, no year, or a field that holds
    what it should not (:func:`field_problems`). The importer and the build's evidence stage both ask this."""
    named = [a for a in authors if (a[0] if isinstance(a, tuple) else getattr(a, "family", "")) not in ("", "others")]
    problems = [] if named else ["no author names"]
    problems += [f"no {name}" for name in ("title", "journal", "year") if not fields.get(name, "").strip()]
    if entry_type != "article" and fields.get("journal"):
        problems.append(f"an @{entry_type} entry, not an @article")
    return problems + field_problems(fields)


def field_problems(fields: dict[str, str]) -> list[str]:
    """What a parsed journal or title holds that it should not (see _CUT_SHORT, _NOT_A_JOURNAL and
    _JOURNAL_TAIL): an entry with such a problem is not complete."""
    problems = []
    journal, title = fields.get("journal", ""), fields.get("title", "")
    cut = _CUT_SHORT.search(journal)
    if cut:
        problems.append(f'the journal "{journal}" ends in "{cut.group(0)}": its name is cut short in the source '
                        "string")
    if _NOT_A_JOURNAL.search(journal):
        problems.append(f'the journal "{journal}" is a DOI, URL or note, not a journal name')
    tail = _JOURNAL_TAIL.search(title)
    if tail:
        problems.append(f'the title ends in a journal, volume and pages ("{tail.group(0)[1:].strip()}"): the '
                        "journal was not split from it")
    return problems


# --- repairs from the rest of the release ------------------------------------------------------------
#
# Some strings lack what the others of the same release hold: a journal cut short ("Journal of", with the DOI
# 10.1016/j.jad...), or no punctuation at all between authors, title and journal. :func:`repair_from_release`
# completes such an entry from the complete entries of the release (their journals and the journal codes of
# their DOIs), never from outside it, and says how; what it cannot settle stays as it is, incomplete.

# Words a journal's abbreviation leaves out ("J Affect Disord" for "Journal of Affective Disorders").
_JOURNAL_STOPWORDS = {"of", "and", "the", "&", "in", "for", "on", "de", "y", "und"}
# The journal code of a DOI: its registrant and the first part of its suffix ("10.1016/j.jad", "10.1002/da").
_DOI_STEM = re.compile(r"10\.\d{4,9}/[a-z]+(?:\.[a-z]+)?(?=[./\-_(]|\d)")


@dataclass(frozen=True)
class ReferenceRepair:
    """One field of one entry completed from the rest of the release, and how."""

    key: str
    field: str
    before: str
    after: str
    how: str


def doi_stem(doi: str) -> str:
    """The journal code of a DOI ("10.1016/j.jad.2018.12.065" -> "10.1016/j.jad"); "" when it has none."""
    match = _DOI_STEM.match(doi.strip().lower())
    return match.group(0) if match else ""


def _journal_words(journal: str) -> list[str]:
    """The words of a journal's name that an abbreviation keeps, in lower case, without periods."""
    words = [w.strip(".,:()").casefold() for w in journal.split()]
    return [w for w in words if w and w not in _JOURNAL_STOPWORDS]


def abbreviates(short: str, full: str) -> bool:
    """True when *short* is *full* or its abbreviation, word by word ("J Affect Disord" and "Journal of
    Affective Disorders"; "JMIR Ment Health" and "JMIR Mental Health"): each word a beginning of the word of
    *full* in its place, the small words (of, and, the, ...) left out."""
    a, b = _journal_words(short), _journal_words(full)
    return bool(a) and len(a) == len(b) and all(y.startswith(x) for x, y in zip(a, b, strict=True))


def _recheck(result: ParsedReference, change) -> None:
    """Apply *change* (a function of the result) and replace the completeness problems of the old fields by
    those of the new ones (the parser's own findings, such as a year taken from the study, stay)."""
    old = entry_problems(result.entry_type, result.authors, result.fields)
    change(result)
    if result.fields.get("journal"):
        result.entry_type = "article"
    kept = [p for p in result.problems if p not in old]
    result.problems = list(dict.fromkeys(kept + entry_problems(result.entry_type, result.authors, result.fields)))


def _complete_journal(key: str, result: ParsedReference, known: dict[str, int],
                      by_stem: dict[str, set[str]]) -> ReferenceRepair | None:
    """The repair of a journal cut short in the source string ("Journal of"), or None: the one journal of the
    release (in its most frequent spelling) that begins with it and, when the entry has a DOI whose journal
    code other entries share, that those entries' journal names or abbreviates."""
    journal = result.fields.get("journal", "")
    if not _CUT_SHORT.search(journal):
        return None
    candidates = [j for j in known if j.casefold().startswith(journal.casefold() + " ")]
    stem = doi_stem(result.fields.get("doi", ""))
    confirmed = by_stem.get(stem, set()) if stem else set()
    if confirmed:
        candidates = [j for j in candidates if any(abbreviates(s, j) for s in confirmed)]
    groups: dict[str, list[str]] = {}
    for name in candidates:
        groups.setdefault(name.casefold(), []).append(name)
    if len(groups) != 1:
        return None
    chosen = min(next(iter(groups.values())), key=lambda name: (-known[name], name))
    how = (f'the only journal of the release that begins with "{journal}"'
           + (f", and the journal of the release's other entries with DOIs {stem}... ({', '.join(sorted(confirmed))})"
              if confirmed else ""))
    _recheck(result, lambda r: r.fields.update(journal=chosen))
    return ReferenceRepair(key, "journal", journal, chosen, how)


_LAST_AUTHOR = re.compile(r"^(?P<name>.+?\s(?:[^\W\d_]{1,4}|[^\W\d_]-[^\W\d_]))\s+(?P<rest>[^\W_].*)$")


def parse_unpunctuated(text: str, known: dict[str, int]) -> tuple[ParsedReference, str] | None:
    """A Vancouver reference without the full stops between authors, title and journal ("Johansson P, ...,
    Lundgren J An Internet-Based ... Trial JMIR Ment Health 2019;6(10):e14648"), or None: the authors end
    at the last author's initials, and the journal is the longest end of the rest that is a journal of the
    release (*known*) or its abbreviation. Returns the result and how the journal was found."""
    clean, doi, _ = split_doi(_one_line(text))
    tail = _VANCOUVER_TAIL.fullmatch(clean)
    if not tail:
        return None
    pieces = [p.strip() for p in tail.group("head").split(",")]
    last = _LAST_AUTHOR.match(pieces[-1])
    if not last:
        return None
    authors = parse_vancouver_authors(", ".join([*pieces[:-1], last.group("name")]))
    if authors is None:
        return None
    words = last.group("rest").split()
    journal, matched = "", ""
    for start in range(len(words) - 1, 0, -1):
        candidate = " ".join(words[start:])
        found = sorted(j for j in known if abbreviates(candidate, j))
        if found:
            journal, matched = candidate, found[0]
    title = " ".join(words[: len(words) - len(journal.split())]) if journal else ""
    if not journal or len(title.split()) < 3:
        return None
    result = ParsedReference("article", authors=authors, style="vancouver")
    result.fields.update(title=_clean_title(title), journal=journal, year=tail.group("year"))
    for name in ("volume", "number", "pages"):
        if tail.group(name) and tail.group(name).strip():
            result.fields[name] = tail.group(name).strip()
    if doi:
        result.fields["doi"] = doi
    if "pages" in result.fields:
        result.fields["pages"] = expand_page_range(result.fields["pages"])
    result.problems = entry_problems(result.entry_type, result.authors, result.fields)
    how = (f'no full stops between authors, title and journal: the authors end at the last initials, the journal '
           f'"{journal}" is "{matched}" of the release' + (" (abbreviated)" if journal != matched else ""))
    return result, how


def repair_from_release(items: dict[str, tuple[str, ParsedReference]]) -> list[ReferenceRepair]:
    """Complete, in place, the entries of *items* (key -> (reference string, parse)) that the rest of the
    release can complete (see the comment above :class:`ReferenceRepair`); the repairs, in key order."""
    known: dict[str, int] = {}
    by_stem: dict[str, set[str]] = {}
    for _, result in items.values():
        if result.complete:
            journal = result.fields["journal"]
            known[journal] = known.get(journal, 0) + 1
            stem = doi_stem(result.fields.get("doi", ""))
            if stem:
                by_stem.setdefault(stem, set()).add(journal)
    repairs = []
    for key in sorted(items):
        text, result = items[key]
        if result.complete:
            continue
        if "neither an APA nor a Vancouver reference" in result.problems:
            found = parse_unpunctuated(text, known)
            if found:
                fresh, how = found
                before = result.fields.get("title", "")
                items[key] = (text, fresh)
                repairs.append(ReferenceRepair(key, "author, title, journal", before[:80],
                                               f'{fresh.fields["title"][:50]}... {fresh.fields["journal"]}', how))
                continue
        repair = _complete_journal(key, result, known, by_stem)
        if repair:
            repairs.append(repair)
    return repairs
