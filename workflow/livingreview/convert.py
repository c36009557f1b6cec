"""Convert the assembled Markdown to HTML (pandoc) and PDF (pandoc -> Typst).

Pandoc's options live in defaults files under ``templates/pandoc/``; what is
computed here is only what a defaults file cannot hold: escaped metadata for
``<meta>`` tags and for the PDF's document properties. Pandoc comes from the
``pypandoc-binary`` wheel and Typst from the ``typst`` wheel, so no system
TeX, browser or font is involved: Typst is told to ignore system fonts.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib.util
import subprocess
from pathlib import Path

from . import FIXED_ENVIRONMENT
from .article import first_and_last_page
from .diagnostics import pandoc_error, typst_error
from .errors import ConversionError
from .files import read_json, write_atomic
from .names import full_name
from .records import Name


def pandoc_path() -> str:
    """Path of the pandoc binary shipped in the pypandoc-binary wheel.

    Always that binary, the one requirements.lock pins: never a pandoc found
    elsewhere on the machine (``pypandoc.get_pandoc_path()`` would take the
    newest pandoc it finds, on PATH included, and runs each candidate to ask
    its version). The package is located, not imported, which keeps a step
    that runs pandoc a tenth of a second shorter.
    """
    spec = importlib.util.find_spec("pypandoc")
    binary = Path(spec.origin).parent / "files" / "pandoc" if spec and spec.origin else None
    if binary is None or not binary.is_file():
        raise ConversionError("requirements.lock", None, "pandoc from the pypandoc-binary package is not installed",
                              "run `make review`, which installs the pinned environment into .venv")
    return str(binary)


def pandoc_version() -> str:
    """The version that :func:`pandoc_path`'s binary reports (e.g. ``3.8.3``)."""
    binary = pandoc_path()
    try:
        first_line = subprocess.run([binary, "--version"], capture_output=True, text=True,
                                    check=True).stdout.split("\n", 1)[0]
    except (OSError, subprocess.CalledProcessError) as exc:
        raise ConversionError(binary, None, f"pandoc does not run: {exc}",
                              "remove .venv and run `make review` to install the pinned environment again") from None
    return first_line.split()[-1]


def run_pandoc(source: str, target: str, defaults: str, variables: dict[str, str]) -> None:
    """Run pandoc on *source* with a defaults file, writing *target* (atomically: all or nothing).

    pandoc writes to its standard output, and this process writes the file:
    a pandoc left running by a killed build has nowhere to write.
    """
    args = [pandoc_path(), "--defaults", defaults]
    for name, value in sorted(variables.items()):
        args.append(f"--variable={name}:{value}")
    args.append(source)
    result = subprocess.run(args, capture_output=True, env=dict(FIXED_ENVIRONMENT))
    if result.returncode != 0:
        raise pandoc_error(result.stderr.decode("utf-8", errors="replace"), source, defaults)
    write_atomic(target, result.stdout)


def _person(author: dict) -> str:
    """An author of the review (given and family name in data/review.yaml) in reading order."""
    return full_name(Name(family=author["family"], given=author["given"]))


def citation_meta_tags(review: dict, references: list[dict]) -> str:
    """Highwire Press ``citation_*`` meta tags for indexers (Google Scholar & co.).

    *references* are the cited entries in reference-list order.
    """
    def tag(name: str, content) -> str:
        return f'<meta name="{name}" content="{html.escape(str(content), quote=True)}">'

    tags = [tag("citation_title", review["title"])]
    tags += [tag("citation_author", _person(a)) for a in review["authors"]]
    tags += [
        tag("citation_publication_date", review["dates"]["published"].replace("-", "/")),
        tag("citation_journal_title", review["journal"]["title"]),
        tag("citation_journal_abbrev", review["journal"]["abbreviation"]),
        tag("citation_volume", review["volume"]),
        tag("citation_firstpage", review["article_number"]),
        tag("citation_doi", review["doi"]),
        tag("citation_language", review.get("language", "en")),
    ]
    if review["journal"].get("issn"):
        tags.append(tag("citation_issn", review["journal"]["issn"]))
    for ref in references:
        fields = ref["fields"]
        parts = [f"citation_title={fields.get('title', '')}"]
        parts += [f"citation_author={full_name(Name(**a))}" for a in ref["authors"]]
        for name in ("journal", "volume", "year", "doi"):
            if fields.get(name):
                parts.append(f"citation_{'journal_title' if name == 'journal' else name}={fields[name]}")
        first, last = first_and_last_page(fields.get("pages", ""))
        if first:
            parts.append(f"citation_firstpage={first}")
        if last:
            parts.append(f"citation_lastpage={last}")
        tags.append(tag("citation_reference", "; ".join(p.replace(";", ",") for p in parts)))
    return "\n".join(tags)


def typst_string(text: str) -> str:
    """A Typst string literal for *text*."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def pdf_variables(review: dict) -> dict[str, str]:
    """Document properties for the Typst template, as Typst expressions."""
    published = dt.date.fromisoformat(review["dates"]["published"])
    return {
        "pdf-title": typst_string(review["title"]),
        "pdf-authors": "(" + "".join(typst_string(_person(a)) + ", " for a in review["authors"]) + ")",
        "pdf-date": f"datetime(year: {published.year}, month: {published.month}, day: {published.day})",
        "pdf-doi-url": typst_string("https://doi.org/" + review["doi"]),
    }


def compile_typst(source: str, target: str, font_dir: str | None, timestamp: int,
                  template: str = "templates/pdf/template.typ") -> None:
    """Compile a Typst file to PDF with only the bundled (and repository) fonts."""
    import typst

    fonts = [font_dir] if font_dir and Path(font_dir).is_dir() else []
    try:
        pdf = typst.compile(source, root=str(Path(source).resolve().parent), font_paths=fonts,
                            ignore_system_fonts=True, timestamp=timestamp)
    except Exception as exc:  # typst raises its own TypstError types
        raise typst_error(getattr(exc, "diagnostic", ""), getattr(exc, "message", str(exc)), source,
                          template) from None
    write_atomic(target, pdf)


def source_date_epoch(review: dict) -> int:
    """The build's timestamp: the review's publication date at 00:00 UTC."""
    published = dt.date.fromisoformat(review["dates"]["published"])
    return int(dt.datetime(published.year, published.month, published.day, tzinfo=dt.UTC).timestamp())


def cited_references(evidence: dict, numbers: dict[str, int]) -> list[dict]:
    """The cited entries in reference-list order."""
    return [evidence["references"][key] for key, _ in sorted(numbers.items(), key=lambda item: item[1])]


def convert_html_step(review_md: str, evidence_json: str, citations_json: str, template_dir: str,
                      out_html: str) -> None:
    """review.md -> review.html (pandoc, templates/pandoc/html.yaml)."""
    evidence = read_json(evidence_json)
    meta = citation_meta_tags(evidence["review"], cited_references(evidence, read_json(citations_json)))
    run_pandoc(review_md, out_html, str(Path(template_dir) / "pandoc" / "html.yaml"), {"citation-meta": meta})


def render_pdf_step(review_md: str, evidence_json: str, template_dir: str, out_typ: str, out_pdf: str) -> None:
    """review.md -> review.typ (pandoc, templates/pandoc/typst.yaml) -> review.pdf (typst).

    The PDF is dated by the review's publication date, never by the clock.
    """
    review = read_json(evidence_json)["review"]
    run_pandoc(review_md, out_typ, str(Path(template_dir) / "pandoc" / "typst.yaml"),
                       pdf_variables(review))
    compile_typst(out_typ, out_pdf, str(Path(template_dir) / "pdf" / "fonts"),
                          source_date_epoch(review), str(Path(template_dir) / "pdf" / "template.typ"))
