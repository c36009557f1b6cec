"""Read ``references.bib`` with bibtexparser v2 into plain, checked records.

bibtexparser splits the file into blocks; this module resolves @string
macros (with ``#`` concatenation and the month names BibTeX predefines),
strips enclosing braces and quotes, splits author lists and name parts,
inherits fields through ``crossref`` and decodes LaTeX accents and macros to
Unicode (``M{\\"u}ller`` -> ``Müller``), for names part by part. Blocks the
parser could not read are never ignored: each becomes a
:class:`BibliographyError` naming the line and the key, and all of them are
reported together.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser
from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts, split_multiple_persons_names
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, MiddlewareErrorBlock, String
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from .errors import BibliographyError, did_you_mean
from .files import read_input
from .records import Name, Reference

# bibtexparser logs its own copy of every syntax error; ours names the key too.
logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)


def _latex_context():
    """pylatexenc's macros, plus font switches it would otherwise drop with their text (``\\textsf{R}``)."""
    context = get_default_latex_context_db()
    context.add_context_category("livingreview-font-switches", prepend=True, macros=[
        MacroTextSpec(name, simplify_repl="%s")
        for name in ("textsf", "texttt", "textnormal", "textup", "textmd", "textsl", "mathrm", "mathsf", "mathtt")])
    return context


_LATEX = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True, latex_context=_latex_context())
# Math is decoded to text ("$\\beta$" is β, "$<$" is <, "$^2$" is ²), as far as Unicode can write it.
_MATH = LatexNodes2Text(math_mode="text", strict_latex_spaces=True, latex_context=_latex_context())
_MATH_SEGMENT = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$", re.DOTALL)
_SUPERSCRIPTS = str.maketrans("0123456789+-=()niabcdeghjklmoprstuvwxyz",
                              "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵃᵇᶜᵈᵉᵍʰʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻ")
_SUBSCRIPTS = str.maketrans("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SCRIPT = re.compile(r"([\^_])(\{[^{}]*\}|\\[A-Za-z]+|[^\s{}\\])")
_NAME_FIELDS = ("author", "editor")
# Fields whose brace-protected words keep their case when a CSL style changes it (see csl.sentence_case).
_CASE_FIELDS = ("title", "subtitle")
# "&", "%" and "#" that are not escaped: in a title pasted from elsewhere they mean themselves, not
# LaTeX's table alignment, comment or parameter (which would drop them or the rest of the field).
_BARE_SPECIALS = re.compile(r"(?<!\\)([&%#])")
_BARE_DOLLAR = re.compile(r"(?<!\\)\$")


class UndecodedMath(ValueError):
    """Math that Unicode text cannot write (a fraction, a root, a script of letters it has no form for)."""


def decode_math(latex: str) -> str:
    """The text of simple LaTeX math: Greek letters and symbols as Unicode, ``^2`` as ², ``_2`` as ₂.

    Raises :class:`UndecodedMath` (with the best text it has) when part of it
    cannot be written as plain text.
    """
    undecoded = []

    def script(match: re.Match) -> str:
        body = match.group(2)
        body = _MATH.latex_to_text(body[1:-1] if body.startswith("{") else body)
        written = body.translate(_SUPERSCRIPTS if match.group(1) == "^" else _SUBSCRIPTS)
        if any(char == mapped for char, mapped in zip(body, written, strict=True) if char.strip()):
            undecoded.append(match.group(0))
        return written
    text = _MATH.latex_to_text(_SCRIPT.sub(script, latex))
    if undecoded or "\\" in text:
        raise UndecodedMath(text)
    return text


def decode_latex(text: str, undecoded: list[str] | None = None) -> str:
    """Decode LaTeX accents, macros and braces to Unicode, and simple math to text (see :func:`decode_math`).

    Bare ``&``, ``%`` and ``#`` are kept as characters, and so is a ``$``
    that opens no math (an odd number of them). Math that cannot be decoded
    is kept as written (between ``$``) and appended to *undecoded*.
    """
    if "\\" not in text and "{" not in text and "~" not in text and "$" not in text:
        return text
    text = _BARE_SPECIALS.sub(r"\\\1", text)
    if len(_BARE_DOLLAR.findall(text)) % 2:
        text = _BARE_DOLLAR.sub(r"\\$", text)
    decoded = _LATEX.latex_to_text(_MATH_SEGMENT.sub(lambda m: _math_placeholder(m, undecoded), text))
    return decoded.replace("\u00a0", " ")


def protected_groups(value: str) -> list[str]:
    """The brace groups that protect their case in a raw BibTeX value (``{SSRIs}``), in order, as written.

    A group that starts with a backslash (``{\\"O}``) is a special character, not a protection.
    """
    groups, depth, start, i = [], 0, 0, 0
    while i < len(value):
        char = value[i]
        if char == "\\":
            i += 2
            continue
        if char == "{":
            if depth == 0:
                start = i + 1
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0 and not value[start:i].startswith("\\"):
                groups.append(value[start:i])
        i += 1
    return groups


def _math_placeholder(match: re.Match, undecoded: list[str] | None) -> str:
    """A math segment replaced by its text, escaped again for the LaTeX decoder that reads the rest."""
    try:
        text = decode_math(match.group(1))
    except UndecodedMath:
        if undecoded is not None:
            undecoded.append(match.group(0))
        return match.group(0)
    return "".join(f"\\{char}" if char in "&%#$_{}~^\\" else char for char in text)


def _join(parts: list[str]) -> str:
    return decode_latex(" ".join(parts)).strip()


def _name(parts) -> Name:
    return Name(family=_join(parts.last), given=_join(parts.first), von=_join(parts.von), suffix=_join(parts.jr))


# The macros every BibTeX style defines.
MONTH_MACROS = {m[:3].lower(): m for m in ("January February March April May June July August September "
                                            "October November December").split()}
# Fields a crossref child does not take from its parent.
_NOT_INHERITED = {"crossref", "ids", "key", "title", "subtitle", "shorttitle", "doi", "url", "pages"}


@dataclass
class BibFile:
    """What a BibTeX file holds: the entries that could be read, and every problem found.

    ``problems`` are blocks that cannot be read at all (syntax errors,
    duplicate keys or fields, author lists that cannot be split); ``warnings``
    map a key to what is doubtful in an entry that was read (an undefined
    @string macro, a crossref to a missing entry).
    """

    references: dict[str, Reference]
    problems: list[BibliographyError] = field(default_factory=list)
    warnings: dict[str, list[BibliographyError]] = field(default_factory=dict)


class ValueSyntaxError(ValueError):
    """A field value whose braces or quotes do not balance, or whose parts are not joined by ``#``."""


def split_value(raw: str) -> list[tuple[str, str]]:
    """Split a raw BibTeX field value into its ``#``-joined parts.

    Each part is ("text", content) for ``{...}`` or ``"..."`` (delimiters
    removed, inner braces kept) or ("macro", name) for a bare word or number.
    Raises :class:`ValueSyntaxError` when the braces or quotes do not balance
    or two parts follow each other without ``#`` (usually a missing comma).
    """
    parts, i, n, joined = [], 0, len(raw), True
    while i < n:
        char = raw[i]
        if char.isspace():
            i += 1
            continue
        if char == "#":
            joined, i = True, i + 1
            continue
        if not joined:
            rest = raw[i:].split("\n")[0][:40]
            raise ValueSyntaxError(f"`{rest}` follows the value without a comma before it")
        if char in "{\"":
            j = _closing(raw, i)
            parts.append(("text", raw[i + 1:j]))
            i = j + 1
        else:
            j = i
            while j < n and not raw[j].isspace() and raw[j] != "#":
                j += 1
            parts.append(("macro", raw[i:j]))
            i = j
        joined = False
    return parts


def _closing(raw: str, start: int) -> int:
    """Index of the brace or quote that closes the one at *start*."""
    opener, depth, j = raw[start], 0, start
    while j < len(raw):
        c = raw[j]
        if c == "\\":
            j += 2
            continue
        depth += (c == "{") - (c == "}")
        if (opener == "{" and depth == 0) or (opener == '"' and c == '"' and j > start and depth == 0):
            return j
        j += 1
    raise ValueSyntaxError("a brace or quote is not closed" if opener == "{" else "a quote is not closed")


def resolve_value(raw: str, macros: dict[str, str]) -> tuple[str, list[str]]:
    """The text of a raw field value with macros expanded; also the undefined macro names.

    Numbers stand for themselves; an undefined macro is kept as its name (and
    reported), as BibTeX warns about it. Raises :class:`ValueSyntaxError`.
    """
    text, undefined = [], []
    for kind, value in split_value(raw.strip()):
        if kind == "text" or value.isdigit():
            text.append(value)
        elif value.lower() in macros:
            text.append(macros[value.lower()])
        else:
            text.append(value)
            undefined.append(value)
    return "".join(text), undefined


# Bounds of a bibliography: the longest text an @string macro may expand to (a macro joining another
# with itself, level after level, doubles each time: the "@string bomb"), and the longest crossref chain.
MAX_MACRO_LENGTH = 100_000
MAX_CROSSREF_DEPTH = 4


def resolve_macros(strings: list[String], path: str = "references.bib",
                   problems: list[BibliographyError] | None = None) -> dict[str, str]:
    """@string definitions in file order (later ones may use earlier ones; a redefinition wins).

    A macro that would expand beyond :data:`MAX_MACRO_LENGTH` characters is
    not defined; its problem (naming the @string and its line) is added to
    *problems*.
    """
    macros = dict(MONTH_MACROS)
    for string in strings:
        try:
            value = resolve_value(string.value, macros)[0]
        except ValueSyntaxError:
            value = string.value.strip().strip('{}"')
        if len(value) > MAX_MACRO_LENGTH:
            line = (string.start_line or 0) + 1
            if problems is not None:
                problems.append(BibliographyError(
                    path, f"line {line}, @string {string.key}", f"the @string macro expands to {len(value):,} "
                    f"characters, more than the {MAX_MACRO_LENGTH:,} a field may hold (macros joined with "
                    "themselves: a @string bomb?)", "define the macro as the text it stands for", line=line))
            continue
        macros[string.key.lower()] = value
    return macros


def crossref_problems(references: dict[str, Reference], path: str) -> list[BibliographyError]:
    """A problem for each loop of ``crossref`` fields (a -> b -> a; an entry naming itself), naming every
    entry of the loop, and for each chain longer than :data:`MAX_CROSSREF_DEPTH` (once per entry that
    starts one)."""
    by_lower = {k.lower(): ref for k, ref in references.items()}
    problems, reported = [], set()
    for ref in references.values():
        chain = [ref]
        while (target := chain[-1].fields.get("crossref")) and target.lower() in by_lower:
            parent = by_lower[target.lower()]
            if parent in chain:
                loop = chain[chain.index(parent):]
                members = frozenset(r.key for r in loop)
                if members not in reported:
                    reported.add(members)
                    first = min(loop, key=lambda r: r.line)
                    start = loop.index(first)
                    ordered = loop[start:] + loop[:start]
                    names = " -> ".join(r.key for r in [*ordered, first])
                    problems.append(BibliographyError(
                        path, f"line {first.line}, key {first.key}, field crossref",
                        f"the crossref fields make a loop: {names}; no entry of it can inherit from another",
                        "delete the crossref field of the entry that is not part of a larger work (a crossref names "
                        "the @proceedings or @book an entry is in)", line=first.line))
                break
            chain.append(parent)
            if len(chain) > MAX_CROSSREF_DEPTH + 1:
                problems.append(BibliographyError(
                    path, f"line {ref.line}, key {ref.key}, field crossref",
                    f"the chain of crossref fields from this entry is longer than {MAX_CROSSREF_DEPTH} "
                    f"({' -> '.join(r.key for r in chain)} -> ...)",
                    "let the entry name the @proceedings or @book it is in directly", line=ref.line))
                break
    return problems


def _failed_block_error(path: str, block, first_lines: dict[str, int]) -> BibliographyError:
    line = (block.start_line or 0) + 1
    raw = (block.raw or "").strip()
    raw_head = raw.splitlines()[0][:80] if raw else ""
    key_match = re.match(r"@\w+\s*[{(]\s*([^,\s]+)", raw)
    key = getattr(block, "key", None) or (key_match.group(1) if key_match else "?")
    if isinstance(block, DuplicateBlockKeyBlock):
        first = f" (first at line {first_lines[key]})" if key in first_lines else ""
        return BibliographyError(
            path, f"line {line}, key {key}", f'the key "{key}" is used by more than one entry{first}',
            "give each entry its own key, or delete the duplicate entry", line=line,
        )
    if isinstance(block, DuplicateFieldKeyBlock):
        dup = re.search(r"'([^']+)'", str(block.error))
        name = dup.group(1) if dup else "a field"
        return BibliographyError(
            path, f"line {line}, key {key}", f'entry "{key}" has the field "{name}" more than once',
            f'keep one "{name}" field in entry "{key}"', line=line,
        )
    reason = getattr(block.error, "abort_reason", None) or str(block.error)
    reason = " ".join(reason.split()).replace("`", "'")
    end = line + raw.count("\n")
    commented = re.search(r"^\s*%", raw, flags=re.MULTILINE)
    fix = ("BibTeX has no comments inside an entry: delete the lines that start with %"
           if commented else
           "check that braces and quotes are balanced and that fields are separated by commas")
    where = f"line {line}, key {key}" if end == line else f"line {line} (to line {end}), key {key}"
    return BibliographyError(path, where, f"BibTeX syntax error in the entry starting `{raw_head}`: {reason}", fix,
                             line=line)


def _names(value: str, key: str, path: str, line: int) -> list[Name]:
    try:
        return [_name(parse_single_name_into_parts(n)) for n in split_multiple_persons_names(value)]
    except InvalidNameError as exc:
        raise BibliographyError(path, f"line {line}, key {key}", f"the name list `{value[:80]}` cannot be "
                                f"split into names ({exc})",
                                'separate names with " and ", and write each as "Family, Given"', line=line) from None


def read_bibtex(text: str, path: str = "references.bib") -> BibFile:
    """Read BibTeX *text* leniently: every entry that can be read, and every problem.

    Never raises for the file's content; see :class:`BibFile`.
    """
    library = bibtexparser.parse_string(text, parse_stack=[])
    problems, strings = [], list(library.strings)
    first_lines = {entry.key: entry.start_line + 1 for entry in library.entries}
    for block in library.failed_blocks:
        if isinstance(block, DuplicateBlockKeyBlock) and isinstance(block.ignore_error_block, String):
            strings.append(block.ignore_error_block)  # BibTeX lets a later @string redefine a macro
        elif isinstance(block, MiddlewareErrorBlock):
            continue
        else:
            problems.append(_failed_block_error(path, block, first_lines))
    macros = resolve_macros(sorted(strings, key=lambda s: s.start_line or 0), path, problems)
    references: dict[str, Reference] = {}
    warnings: dict[str, list[BibliographyError]] = {}
    for entry in library.entries:
        line = entry.start_line + 1
        ref = Reference(key=entry.key, entry_type=entry.entry_type.lower(), line=line)
        try:
            for fld in entry.fields:
                name = fld.key.lower()
                try:
                    value, undefined = resolve_value(str(fld.value), macros)
                except ValueSyntaxError as exc:
                    field_line = fld.start_line + 1 if fld.start_line is not None else line
                    raise BibliographyError(path, f"line {field_line}, key {entry.key}, field {name}",
                                            f"BibTeX syntax error in the value of {name}: {exc}",
                                            "BibTeX has no comments inside an entry: delete the line that starts "
                                            "with %" if name.startswith("%") else
                                            "end every field with a comma, and balance its braces and quotes",
                                            line=field_line) from None
                where = f"line {line}, key {entry.key}, field {name}"
                if undefined and name in _NAME_FIELDS:  # the names cannot be split right: say why
                    macros_named = ", ".join(f'"{m}"' for m in dict.fromkeys(undefined))
                    raise BibliographyError(path, where, f"the name list uses @string macros that are not defined: "
                                            f"{macros_named}", "define them (@string{and = \" and \"}, ...) before "
                                            "the entry, e.g. by adding the file that defines them, or write the names "
                                            "out in braces", line=line)
                for macro in undefined:
                    warnings.setdefault(entry.key, []).append(BibliographyError(
                        path, where, f'the @string macro "{macro}" is not defined, so the field reads "{value[:60]}"',
                        f'define it (@string{{{macro} = "..."}}) before the entry, or put the value in braces',
                        line=line))
                if name in _NAME_FIELDS:
                    setattr(ref, "authors" if name == "author" else "editors", _names(value, entry.key, path, line))
                    continue
                undecoded: list[str] = []
                ref.fields[name] = decode_latex(value, undecoded).strip()
                if name in _CASE_FIELDS and protected_groups(value):
                    ref.protected[name] = [decode_latex(group) for group in protected_groups(value)]
                warnings.setdefault(entry.key, []).extend(BibliographyError(
                    path, where, f"the math `{math}` cannot be written as plain text; it is printed as written",
                    "write it with Unicode characters (e.g. β, ², ≤) or in words", line=line) for math in undecoded)
        except BibliographyError as exc:
            problems.append(exc)
            continue
        references[ref.key] = ref
    looped = crossref_problems(references, path)
    problems += looped
    for problem in looped:  # refused, as an entry that cannot be read is
        references.pop(problem.where.split("key ", 1)[1].split(",")[0], None)
    for key, problem in resolve_crossrefs(references, path).items():
        warnings.setdefault(key, []).append(problem)
    for ref in references.values():
        apply_biblatex_aliases(ref)
    return BibFile(references, sorted(problems, key=lambda problem: problem.line or 0),
                   {key: found for key, found in warnings.items() if found})


def resolve_crossrefs(references: dict[str, Reference], path: str) -> dict[str, BibliographyError]:
    """Let each entry with a ``crossref`` inherit the fields it lacks from its parent.

    As biblatex does, the parent's title becomes the child's ``booktitle``
    and its editors the child's editors. Returns a problem per entry whose
    parent is missing.
    """
    by_lower = {k.lower(): ref for k, ref in references.items()}
    missing = {}
    for ref in references.values():
        target = ref.fields.get("crossref")
        if not target:
            continue
        parent = by_lower.get(target.lower())
        if parent is None or parent is ref:
            missing[ref.key] = BibliographyError(
                path, f"line {ref.line}, key {ref.key}, field crossref",
                f'the entry refers to "{target}", which is not in the file.' + did_you_mean(target, references),
                "add the referred entry (usually a @proceedings or @book) or correct the crossref key", line=ref.line)
            continue
        for name, value in parent.fields.items():
            if name not in _NOT_INHERITED:
                ref.fields.setdefault(name, value)
        if "title" in parent.fields:
            ref.fields.setdefault("booktitle", parent.fields["title"])
        if not ref.editors:
            ref.editors = list(parent.editors)
        if not ref.authors and ref.entry_type in ("inbook", "bookinbook"):
            ref.authors = list(parent.authors)
    return missing


def apply_biblatex_aliases(ref: Reference) -> None:
    """Give biblatex entries the BibTeX fields the styles use: journal, year."""
    fields = ref.fields
    if "journal" not in fields and fields.get("journaltitle"):
        fields["journal"] = fields["journaltitle"]
    if "year" not in fields and re.match(r"\d{4}", fields.get("date", "")):
        fields["year"] = fields["date"][:4]


def bibliography_and_problems(text: str, path: str = "references.bib",
                              keys=None) -> tuple[dict[str, Reference], list[BibliographyError]]:
    """Parse BibTeX *text* into the references that could be read, keyed by citation key, and the problems.

    A problem is a block that could not be read (syntax error, duplicate key
    or field, names that cannot be split), naming its line, or a doubtful
    entry among *keys* (the entries the review cites): an undefined macro, a
    missing crossref parent.
    """
    bib = read_bibtex(text, path)
    problems = list(bib.problems)
    for key in keys or ():
        problems += bib.warnings.get(key, [])
    return bib.references, problems


def read_bibliography(path: str | Path, keys=None,
                      allow_invisible: bool = False) -> tuple[dict[str, Reference], list[BibliographyError]]:
    """Read and parse the BibTeX file at *path* (UTF-8, BOM and CRLF accepted): the references
    and the problems, as :func:`bibliography_and_problems`. Raises when the file cannot be read."""
    text = read_input(path, "bibliography", BibliographyError,
                      "create it, or set `bibliography` in config/config.yaml", allow_invisible)
    return bibliography_and_problems(text, str(path), keys)
