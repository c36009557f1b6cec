"""The one place that builds the Jinja environment.

Templates are looked up in the review's own ``templates/`` folder first,
then in its kind's defaults and the shared one (a review keeps only the
templates it changes); a template that extends its own name extends the
next folder's, so that a review rewords only some blocks of a default
(:class:`FolderLoader`).
Templates write Pandoc Markdown. Every value a template prints is escaped
for Markdown by ``finalize`` unless it is :class:`~markupsafe.Markup` that
the pipeline built itself (pandoc citations, emphasis around a journal
name), so text from data is never read as markup (nor as a citation: only
the ``cite`` and ``with_citation`` filters cite). A number (int, float,
Decimal) a template prints is printed as the article prints numbers
(:func:`livingreview.pooling.printed`: a negative one with the minus sign,
"−0.5"), and the ``float`` filter reads such a number back (``"−0.50" | float``
is -0.5; Jinja's own would give its default, 0.0). Undefined names are errors
(``StrictUndefined``), and Jinja's errors are turned into
:class:`~livingreview.errors.TemplateError` naming the template and line.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import jinja2
import jinja2.meta
from jinja2.loaders import split_template_path
from markupsafe import Markup

from .citations import pandoc_citation
from .errors import TemplateError, did_you_mean
from .markdown import escape_markdown, lower_first, normalize_space
from .pooling import printed, printed_number
from .project import find_template, release_address
from .schemas import sentence_end

NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                "fifteen sixteen seventeen eighteen nineteen twenty").split()


def _finalize(value):
    if isinstance(value, Markup):
        return str(value)
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        value = printed(value)
    return escape_markdown(str(value))


def to_float(value, default: float = 0.0) -> float:
    """Jinja's ``float`` filter (*default* for what is not a number), reading a number as the article prints
    it too: ``"−0.50" | float`` is -0.5 (:func:`livingreview.pooling.printed_number`), so that a template
    compares the numbers it prints (``p.pi_low | float < 0``) whatever their sign."""
    try:
        return float(printed_number(value) if isinstance(value, str) else value)
    except (InvalidOperation, TypeError, ValueError):
        return default


def number_word(n: int) -> str:
    """Spell out 0-20 ("ten"), keep larger numbers as digits ("21")."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def _keys(studies) -> list[str]:
    if isinstance(studies, (str, dict)):
        studies = [studies]
    return [s if isinstance(s, str) else s["key"] for s in studies]


def cite(studies) -> Markup:
    """A pandoc citation (``[@{key}]``) of one study, a list of studies, or keys; pandoc's citeproc
    numbers and formats it with the reference style. A key that cannot be cited is a ValueError."""
    return Markup(pandoc_citation(_keys(studies)))


def with_citation(text: str, studies) -> Markup:
    """Escape *text* and put the citation before its final punctuation.

    ``"Both work." | with_citation(study)`` gives ``Both work [@{key}].``
    (``Both work [n].`` once numbered); closing quotes and brackets after the full stop stay after
    the citation (``(see Table 2 [n].)``); text without final punctuation
    gets the citation at the end.
    """
    text = normalize_space(str(text))
    match = sentence_end().search(text)
    end = match.group(0) if match else ""
    body = text[: len(text) - len(end)].rstrip()
    closing = end.replace("]", r"\]")  # the only character of a sentence end with a Markdown meaning
    return Markup(f"{escape_markdown(body)} {cite(studies)}{closing}")


# The characters of an address :func:`link` links to (a web address or a file name), none that Markdown reads.
_ADDRESS_CHARACTERS = r"[-A-Za-z0-9._~!$&*+,;=:@%/?#]+"


def link(address: str, text: str | None = None) -> Markup:
    """A Markdown link to *address* (a web address the schema checked, or a file name), its text *text* or
    the address itself, escaped."""
    address = str(address)
    if not re.fullmatch(_ADDRESS_CHARACTERS, address):
        raise ValueError(f"not a web address or file name to link to: {address!r}")
    return Markup(f"[{escape_markdown(address if text is None else str(text))}]({address})")


# A web address that :func:`link` can link to: http(s)://, then only the characters it allows.
_WEB_ADDRESS = re.compile(r"https?://" + _ADDRESS_CHARACTERS)


def link_or_text(text: str) -> Markup:
    """A link to *text* when it is one web address (``https://osf.io/825c6/``), else *text* escaped: a value
    from data that may be an address or words (a database's registration, "PROSPERO CRD42...")."""
    text = str(text).strip()
    return link(text) if _WEB_ADDRESS.fullmatch(text) else Markup(escape_markdown(text))


def release_link(review: dict, name: str = "", text: str | None = None) -> Markup:
    """A link to file *name* of this version's release (:func:`livingreview.project.release_address`: under
    the review's ``release_url``, else relative), its text *text* or the address."""
    return link(release_address(review, name) or "./", text)


def emphasis(text: str) -> Markup:
    """Escape *text* and set it in italics (``*text*``)."""
    return Markup(f"*{escape_markdown(text)}*") if str(text).strip() else Markup("")


def figure(name: str, path: str, caption: str) -> Markup:
    """A figure of the release as a paragraph of its own: a Pandoc Markdown image of the file *path*
    (``figures/forest.svg``) with *caption* (escaped) and the id ``fig-<name>`` (review.md refers to
    the file; the HTML page and the PDF show it)."""
    if not re.fullmatch(r"[a-z0-9-]+", str(name)) or not re.fullmatch(r"figures/[a-z0-9-]+\.svg", str(path)):
        raise ValueError(f"not a figure of the release: {name!r}, {path!r}")
    return Markup(f"![{escape_markdown(caption)}]({path}){{#fig-{name}}}")


def count(n: int, one: str, many: str) -> Markup:
    """``n | count("trial", "trials")``: *n* with thousands separators and the noun it takes ("1 trial",
    "12,345 trials"), escaped once (a macro's output would be escaped again by ``finalize``)."""
    return Markup(escape_markdown(f"{n:,} {one if n == 1 else many}"))


def upper_first(text: str) -> str:
    """*text* with its first letter in upper case ("cognitive ..." -> "Cognitive ..."), the rest as it is."""
    text = str(text)
    return text[:1].upper() + text[1:]


def series_separator(loop) -> Markup:
    """Separator after item *loop* in "a, b and c" (pass the Jinja ``loop``)."""
    if loop.last:
        return Markup("")
    return Markup(" and " if loop.revindex == 2 else ", ")


# The name under which a template's own name is looked up from the folder after the one that has it:
# "sections/methods.md.j2@2" is the first sections/methods.md.j2 of the third folder on.
_FROM_FOLDER = re.compile(r"(.+)@(\d+)")


def _from_folder(name: str) -> tuple[str, int]:
    """The template name and the index of the first folder it is looked up in."""
    match = _FROM_FOLDER.fullmatch(name)
    return (match.group(1), int(match.group(2))) if match else (name, 0)


class FolderLoader(jinja2.BaseLoader):
    """The templates of *folders*: the first folder that has a template wins, except that a template
    which extends (includes, imports) its own name gets that name's template in the folders after its own.

    So a review overrides part of a default section: its ``sections/methods.md.j2`` starts with
    ``{% extends "sections/methods.md.j2" %}`` and redefines only the default's blocks it words otherwise.
    """

    def __init__(self, folders: list[Path]):
        self.folders = [Path(folder) for folder in folders]
        self.loaders = [jinja2.FileSystemLoader(str(folder), encoding="utf-8-sig") for folder in self.folders]

    def folder_of(self, name: str) -> int | None:
        """The index of the folder that template *name* (a plain name, or one looked up from a folder on)
        is read from; None when no folder has it."""
        name, start = _from_folder(name)
        parts = split_template_path(name)
        return next((index for index in range(start, len(self.folders))
                     if self.folders[index].joinpath(*parts).is_file()), None)

    def get_source(self, environment: jinja2.Environment, template: str):
        """The source of *template*, its file and its up-to-date check (see :class:`jinja2.BaseLoader`)."""
        index = self.folder_of(template)
        if index is None:
            raise jinja2.TemplateNotFound(template)
        return self.loaders[index].get_source(environment, _from_folder(template)[0])

    def list_templates(self) -> list[str]:
        """Every template name of the folders."""
        return sorted({name for loader in self.loaders for name in loader.list_templates()})


class _Environment(jinja2.Environment):
    def join_path(self, template: str, parent: str) -> str:
        """*template* as named in template *parent*: its own name is the template of the folders after its."""
        if template != _from_folder(parent)[0]:
            return template
        return f"{template}@{self.loader.folder_of(parent) + 1}"


def make_environment(folders: list[Path], filters: dict | None = None) -> jinja2.Environment:
    """The Jinja environment for the Markdown templates in *folders* (the first that has a template wins;
    a template that extends its own name extends the next folder's: :class:`FolderLoader`)."""
    env = _Environment(
        loader=FolderLoader(folders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(cite=cite, with_citation=with_citation, emphasis=emphasis, lower_first=lower_first,
                       upper_first=upper_first, number_word=number_word, count=count, float=to_float,
                       **(filters or {}))
    env.globals.update(cite=cite, series_separator=series_separator, figure=figure, link=link,
                       link_or_text=link_or_text, release_link=release_link)
    return env


def shown_path(path: str | Path) -> str:
    """*path* as messages show it: relative to the working directory (the review folder) when inside it."""
    normal = os.path.normpath(os.path.abspath(path))
    relative = os.path.relpath(normal)
    return normal if relative.startswith("..") and os.path.isabs(str(path)) else relative


class Templates:
    """The templates of one review: its own folder first, then the shared one (see :func:`make_environment`)."""

    def __init__(self, folders: list[str | Path], filters: dict | None = None):
        self.folders = [Path(folder) for folder in folders]
        self.environment = make_environment(self.folders, filters)

    def get(self, name: str) -> jinja2.Template:
        """Template *name*; a missing or malformed one is a :class:`TemplateError`."""
        try:
            return self.environment.get_template(name)
        except jinja2.TemplateError as exc:
            raise self.error(exc, name, {}) from None

    def render(self, name: str, **context) -> str:
        """Render template *name* with *context*, turning Jinja errors into :class:`TemplateError`."""
        return self.render_loaded(self.get(name), **context)

    def render_loaded(self, template: jinja2.Template, **context) -> str:
        """Render a loaded *template*; errors name the template, the line and the undefined name."""
        try:
            return template.render(**context)
        except (jinja2.TemplateError, TypeError, ValueError, KeyError, AttributeError, ZeroDivisionError) as exc:
            error = self.error(exc, template.name, context)
            if error is None:
                raise
            raise error from None

    def path(self, name: str) -> str:
        """Where template *name* is read from (or would be: in the review's own folder), as shown."""
        name, start = _from_folder(name)
        return shown_path(find_template(name, self.folders[start:]) or self.folders[0] / name)

    def error(self, exc: BaseException, name: str, context: dict) -> TemplateError | None:
        """The TemplateError for a Jinja (or Python) error raised by template *name*; None if not from a template."""
        shown = self.path(name)
        if isinstance(exc, jinja2.TemplateNotFound):
            missing, start = _from_folder(exc.name or name)
            if start:  # the template of folder start - 1 extends its own name
                return TemplateError(shown_path(self.folders[start - 1] / missing), None,
                                     f"the template extends {missing}, its own name, but no template folder "
                                     "after its own has a template of that name to extend",
                                     "restore the default template from version control (git checkout), or "
                                     "write the whole template without `extends`")
            available = sorted({p.relative_to(folder).as_posix() for folder in self.folders
                                for p in folder.rglob("*.j2")})
            return TemplateError(self.path(missing), None, "the template does not exist."
                                 + did_you_mean(missing, available),
                                 "restore it from version control (git checkout -- FILE), or create it"
                                 + ("" if missing == name else f"; {shown} includes or imports it"))
        if isinstance(exc, jinja2.TemplateSyntaxError):
            return TemplateError(shown_path(exc.filename) if exc.filename else shown, f"line {exc.lineno}",
                                 f"template syntax error: {exc.message}",
                                 "check that every {% ... %} block is closed by its {% end... %} and every "
                                 "{{ ... }} is balanced", line=exc.lineno)
        file, line = _template_frame(exc)
        file = shown_path(file) if file else None
        where = f"line {line}" if line else None
        if isinstance(exc, jinja2.UndefinedError):
            missing = undefined_name(exc.message)
            near = did_you_mean(missing, context_names(context)) if missing else ""
            place = ", ".join(filter(None, [where, f"name {missing}" if missing else None]))
            return TemplateError(file or shown, place,
                                 f"the template uses an undefined name: {exc.message}.{near}",
                                 "use one of the names the template receives (see README, 'Templates'), "
                                 "or test optional fields with `is defined`", line=line)
        if isinstance(exc, jinja2.TemplateError):
            return TemplateError(file or shown, where, f"template error: {exc}", "fix the template", line=line)
        if file is None:
            return None
        return TemplateError(file, where, f"the template failed: {type(exc).__name__}: {exc}",
                             "fix the expression on that line", line=line)


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The file and line of the innermost template frame in *exc*'s traceback."""
    name, line = None, None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".j2", ".jinja", ".md", ".html")) and Path(filename).exists():
            name, line = filename, tb.tb_lineno
        tb = tb.tb_next
    return name, line


def undefined_name(message: str) -> str | None:
    """The name in Jinja's "'x' is undefined" or "... has no attribute 'x'" message."""
    match = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", message or "")
    return (match.group(1) or match.group(2)) if match else None


def context_names(context: dict) -> list[str]:
    """Names a template could mean: the context's, and the keys of its mappings (one level down)."""
    names = set(context)
    for value in context.values():
        items = value if isinstance(value, list) else [value]
        for item in items[:1] if isinstance(value, list) else items:
            if isinstance(item, dict):
                names.update(str(k) for k in item)
    return sorted(names)


def template_file(name: str, folders: list[str | Path]) -> str:
    """The file of template *name* in the first of *folders* that has it, as shown; a
    :class:`TemplateError` naming the closest existing template when none has it."""
    folders = [Path(folder) for folder in folders]
    found = find_template(name, folders)
    if found is None:
        raise Templates(folders).error(jinja2.TemplateNotFound(name), name, {})
    return shown_path(found)


def template_files(name: str, folders: list[str | Path]) -> list[str]:
    """The files template *name* is made of, as shown: its own (as :func:`template_file`: a missing one is a
    :class:`TemplateError`) and those of the templates it extends, includes or imports by name, and so on:
    what a job rendering it reads. A template that cannot be parsed adds nothing here (rendering reports it)."""
    templates = Templates(folders)
    environment, loader = templates.environment, templates.environment.loader
    files, queue = [template_file(name, folders)], [name]
    while queue:
        current = queue.pop(0)
        try:
            named = jinja2.meta.find_referenced_templates(environment.parse(loader.get_source(environment, current)[0]))
        except jinja2.TemplateError:
            continue
        for other in (environment.join_path(n, current) for n in named if n is not None):
            if loader.folder_of(other) is not None and templates.path(other) not in files:
                files.append(templates.path(other))
                queue.append(other)
    return files
