"""The one place that builds the Jinja environment.

Templates write Pandoc Markdown. Every value a template prints is escaped
for Markdown by ``finalize`` unless it is :class:`~markupsafe.Markup` that
the pipeline built itself (citation markers, emphasis around a journal
name), so text from data is never read as markup. Undefined names are errors
(``StrictUndefined``), and Jinja's errors are turned into
:class:`~livingreview.errors.TemplateError` naming the template and line.
"""

from __future__ import annotations

from pathlib import Path

from urllib.parse import quote

import jinja2
from markupsafe import Markup

from .article import page_range
from .citations import cite_marker
from .errors import TemplateError, did_you_mean
from .markdown import escape_markdown, lower_first
from .names import apa_author_list, author_list

NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                "fifteen sixteen seventeen eighteen nineteen twenty").split()


def _finalize(value):
    if isinstance(value, Markup):
        return str(value)
    if value is None:
        return ""
    return escape_markdown(str(value))


def number_word(n: int) -> str:
    """Spell out 0-20 ("ten"), keep larger numbers as digits ("21")."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def _keys(studies) -> list[str]:
    if isinstance(studies, (str, dict)):
        studies = [studies]
    return [s if isinstance(s, str) else s["key"] for s in studies]


def cite(studies) -> Markup:
    """A citation of one study, a list of studies, or keys (numbered later)."""
    return Markup(cite_marker(_keys(studies)))


def with_citation(text: str, studies) -> Markup:
    """Escape *text* and put the citation before its final punctuation.

    ``"Both work." | with_citation(study)`` gives ``Both work [n].`` once
    numbered; text without final punctuation gets the citation at the end.
    """
    text = str(text).rstrip()
    end = text[-1] if text and text[-1] in ".!?" else ""
    body = text[: len(text) - len(end)].rstrip() if end else text
    return Markup(f"{escape_markdown(body)} {cite(studies)}{end}")


def emphasis(text: str) -> Markup:
    """Escape *text* and set it in italics (``*text*``)."""
    return Markup(f"*{escape_markdown(text)}*") if str(text).strip() else Markup("")


def doi_link(doi: str) -> Markup:
    """A DOI as a link to its resolver: ``[https://doi.org/10.1/x](https://doi.org/10.1/x)``."""
    doi = str(doi).strip()
    for prefix in ("https://doi.org/", "http://dx.doi.org/", "doi:"):
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix):]
    url = "https://doi.org/" + doi
    return Markup(f"[{escape_markdown(url)}]({quote(url, safe=':/')})")


def series_separator(loop) -> Markup:
    """Separator after item *loop* in "a, b and c" (pass the Jinja ``loop``)."""
    if loop.last:
        return Markup("")
    return Markup(" and " if loop.revindex == 2 else ", ")


def make_environment(template_dir: str | Path) -> jinja2.Environment:
    """Return the Jinja environment for the Markdown templates in *template_dir*."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        cite=cite, with_citation=with_citation, emphasis=emphasis, lower_first=lower_first,
        number_word=number_word, author_list=author_list, apa_authors=apa_author_list, page_range=page_range, doi_link=doi_link,
    )
    env.globals.update(cite=cite, series_separator=series_separator)
    return env


def _template_line(exc: BaseException, template_dir: Path) -> tuple[str | None, int | None]:
    """Find the innermost template frame in *exc*'s traceback."""
    name, line = None, None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".j2", ".jinja", ".md", ".html")) and Path(filename).exists():
            name, line = filename, tb.tb_lineno
        tb = tb.tb_next
    if name:
        try:
            name = str(Path(name).resolve().relative_to(template_dir.resolve().parent))
        except ValueError:
            pass
    return name, line


def render_template(template_dir: str | Path, name: str, **context) -> str:
    """Render template *name* with *context*, turning Jinja errors into TemplateError."""
    template_dir = Path(template_dir)
    env = make_environment(template_dir)
    shown = str(template_dir / name)
    try:
        template = env.get_template(name)
    except jinja2.TemplateNotFound as exc:
        available = sorted(str(p.relative_to(template_dir)) for p in template_dir.rglob("*.j2"))
        missing = exc.name or name
        raise TemplateError(str(template_dir / missing), None, "the template does not exist."
                            + did_you_mean(missing, available),
                            "restore it from version control, or create it") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(exc.filename or shown, f"line {exc.lineno}", f"template syntax error: {exc.message}",
                            "check that every {% ... %} block is closed and every {{ ... }} is balanced") from None
    try:
        return template.render(**context)
    except jinja2.UndefinedError as exc:
        file, line = _template_line(exc, template_dir)
        raise TemplateError(file or shown, f"line {line}" if line else None,
                            f"the template uses an undefined name: {exc.message}",
                            "use one of the names the template receives (see README, 'Templates'), "
                            "or test optional fields with `is defined`") from None
    except jinja2.TemplateError as exc:
        file, line = _template_line(exc, template_dir)
        raise TemplateError(file or shown, f"line {line}" if line else None, f"template error: {exc}",
                            "fix the template") from None
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        file, line = _template_line(exc, template_dir)
        if file is None:
            raise
        raise TemplateError(file, f"line {line}", f"the template failed: {type(exc).__name__}: {exc}",
                            "fix the expression on that line") from None


__all__ = ["make_environment", "render_template", "cite", "with_citation", "emphasis", "number_word"]
