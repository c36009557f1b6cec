"""The JSON Schemas (written in YAML) under ``workflow/schemas``: validation and plain messages.

Data is validated as the Snakemake catalog does, with
:func:`snakemake.utils.validate`. When it fails, :func:`schema_errors` finds
every violation, and :func:`explain_error` turns each into a message that
names the key, says what is wrong (with a "Did you mean" for a close match)
and how to fix it.

The schemas are also the one home of two facts the templates and the text
functions use: the labels of coded values (a property whose ``oneOf`` lists
``const`` values with a ``title`` and an ``x-plural``) and the rule for how a
sentence ends (``$defs.sentence.pattern`` of the study schema).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import jsonschema
import yaml

from .errors import closest
from .project import SCHEMAS


def schema_path(name: str) -> Path:
    """The file of schema *name*: ``workflow/schemas/<name>.schema.yaml``."""
    return SCHEMAS / f"{name}.schema.yaml"


@cache
def load_schema(name: str) -> dict:
    """Return schema *name* as a dict (read once per process)."""
    with open(schema_path(name), encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def is_valid(data, name: str) -> bool:
    """Validate *data* (a dict, or a pandas DataFrame of rows) with :func:`snakemake.utils.validate`
    against schema *name*; for a dict, defaults the schema declares are filled in. False when it is not valid.

    A table's schema declares no defaults, and filling them in builds a validator per row: a DataFrame is
    validated without (half the time for a table of hundreds of rows).
    """
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    try:
        validate(data, str(schema_path(name)), set_default=isinstance(data, dict))
    except WorkflowError:
        return False
    return True


@cache
def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = load_schema(name)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_errors(instance, name: str) -> list[jsonschema.ValidationError]:
    """Every violation of schema *name* by *instance*, in a stable order."""
    errors = _validator(name).iter_errors(instance)
    return sorted(errors, key=lambda e: (list(map(str, e.absolute_path)), e.message))


# The order in which several violations of one value are worth reporting: the most basic first.
_VIOLATION_ORDER = ["required", "type", "minLength", "enum", "oneOf", "pattern"]


def violation_rank(error: jsonschema.ValidationError) -> int:
    """Sort key putting the most basic violation of a value first (an empty cell before its missing full stop)."""
    return _VIOLATION_ORDER.index(error.validator) if error.validator in _VIOLATION_ORDER else len(_VIOLATION_ORDER)


def allowed_values(node: dict) -> list | None:
    """The values a (sub-)schema allows: its ``enum``, or the ``const`` of each of its ``oneOf``; None if open."""
    if "enum" in node:
        return list(node["enum"])
    if "oneOf" in node and all("const" in option for option in node["oneOf"]):
        return [option["const"] for option in node["oneOf"]]
    return None


def named_values(node: dict) -> list:
    """The values an ``anyOf`` (sub-)schema names among its alternatives (the others are open: a pattern)."""
    return [value for option in node.get("anyOf", []) for value in (allowed_values(option) or [])]


def labels(name: str, prop: str) -> dict[str, tuple[str, str]]:
    """``{code: (singular, plural)}`` for the coded values of property *prop* of schema *name*: from its
    ``oneOf`` (``const``, ``title``, ``x-plural``), or from its ``enum`` and ``x-labels`` (a mapping of
    code to [singular, plural]: validating an ``enum`` is much faster, for tables of hundreds of rows)."""
    node = load_schema(name)["properties"][prop]
    if "x-labels" in node:
        return {str(code): (pair[0], pair[1]) for code, pair in node["x-labels"].items()}
    return {o["const"]: (o["title"], o.get("x-plural", o["title"])) for o in node["oneOf"]}


def plural_nouns(name: str, prop: str) -> frozenset[str]:
    """The codes of property *prop* of schema *name* whose label (the singular of :func:`labels`) is a plural
    noun ("other psychotherapies"), listed in its ``x-plural-nouns``: a sentence with such a label as its
    subject takes a plural verb ("They were delivered ...", "... reduce ...")."""
    return frozenset(str(code) for code in load_schema(name)["properties"][prop].get("x-plural-nouns", []))


def column_titles(name: str) -> dict[str, str]:
    """``{column: title}`` for the properties of schema *name* that have a ``title``: the words a report shows
    for a column whose name does not say what it holds (data/studies.csv's ``comparisons``, its effect
    sizes)."""
    return {prop: node["title"] for prop, node in load_schema(name)["properties"].items()
            if isinstance(node, dict) and "title" in node}


@cache
def sentence_end() -> re.Pattern:
    """How a sentence ends (a full stop, question or exclamation mark, then closing quotes or brackets)."""
    return re.compile(load_schema("studies")["$defs"]["sentence"]["pattern"])


def describe_error(error: jsonschema.ValidationError) -> tuple[str, str]:
    """Return (field path, plain-English problem) for a schema violation."""
    path = ".".join(str(p) for p in error.absolute_path)
    allowed = allowed_values(error.schema) if error.validator in ("enum", "oneOf") else None
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        path = ".".join(filter(None, [path, missing]))
        return path, "is required but missing"
    if allowed is not None:
        return path, f"{error.instance!r} is not one of the allowed values: " + ", ".join(map(str, allowed))
    if error.validator == "minLength" and error.instance == "":
        return path, "is empty but must be filled in"
    if error.validator == "minItems":
        return path, f"lists {len(error.instance)} but needs at least {error.validator_value}"
    if error.validator == "additionalProperties":
        return path or "(top level)", error.message
    if error.validator == "type":
        return path, f"{error.instance!r} is not of type {error.validator_value}"
    if error.validator == "anyOf" and "x-problem" in error.schema:
        return path, f"{error.instance!r} {error.schema['x-problem']}"
    if error.validator == "pattern":
        return path, f"{error.instance!r} does not have the expected form ({error.validator_value})"
    return path, error.message


def schema_node(schema: dict, path) -> dict:
    """The sub-schema that describes the value at *path* (keys and list indexes)."""
    node = schema
    for part in path:
        node = node.get("items", {}) if isinstance(part, int) else node.get("properties", {}).get(part, {})
        if "$ref" in node and node["$ref"].startswith("#/"):
            target = schema
            for name in node["$ref"][2:].split("/"):
                target = target.get(name, {})
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def explain_error(error: jsonschema.ValidationError, schema: dict, name: str) -> tuple[list, str, str]:
    """(path of the offending key, problem with a "Did you mean", fix) for a violation of schema *name*.

    The path is the key that holds the error: the unknown key for an
    unexpected one, the missing key for a required one. The fix says what to
    write (an allowed value, a type, a form) and quotes the key's description.
    """
    path = list(error.absolute_path)
    field, problem = describe_error(error)
    near, fix = None, None
    allowed = allowed_values(error.schema) if error.validator in ("enum", "oneOf") else None
    if error.validator == "additionalProperties":
        known = list(schema_node(schema, path).get("properties", {}))
        unknown = [k for k in (error.instance or {}) if k not in known]
        if unknown:
            path = path + [unknown[0]]
            problem = f'"{unknown[0]}" is not a known key'
            near = closest(unknown[0], known)
            fix = f'rename the key to "{near}"' if near else "delete the key; allowed: " + ", ".join(known)
    elif error.validator == "required":
        path = path + [field.split(".")[-1]]
    key = ".".join(str(p) for p in path)
    description = schema_node(schema, path).get("description", "").strip()
    if allowed is not None:
        near = closest(error.instance, [str(a) for a in allowed])
        fix = f'write "{near}" instead' if near else "write one of the allowed values listed"
    elif error.validator == "anyOf" and named_values(error.schema):
        near = closest(str(error.instance), [str(value) for value in named_values(error.schema)])
        fix = f'write "{near}" instead' if near else error.schema.get("x-fix")
    elif error.validator == "pattern":
        shown = error.instance if len(str(error.instance)) <= 60 else "..." + str(error.instance)[-50:]
        problem = f"{shown!r} " + error.schema.get("x-problem", "does not have the expected form")
        fix = error.schema.get("x-fix")
    if fix is None and error.validator == "minLength" and error.instance == "":
        fix = f"fill in {key}" + (f" ({description.rstrip('.')})" if description else "")
    if fix is None:
        fix = _expected(error, key) or (f"{key}: {description}" if description else
                                        f"see workflow/schemas/{name}.schema.yaml")
    problem = problem.rstrip(".") + "." + (f' Did you mean "{near}"?' if near else "")
    return path, problem, fix


_TYPE_WORDS = {"integer": "a whole number", "number": "a number", "string": "text",
               "boolean": "true or false (True or False in snakemake --config)", "array": "a list",
               "object": "a mapping (key: value lines)", "null": "nothing"}


def _expected(error: jsonschema.ValidationError, key: str) -> str | None:
    """A plain fix for a type or range violation."""
    if error.validator == "type":
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
        if "string" in types and not isinstance(error.instance, str):
            return f'{key}: write {words}; put the value in quotes ({key}: "{error.instance}")'
        return f"{key}: write {words}"
    if error.validator == "minItems":
        return f"{key}: list at least {error.validator_value} (see the shipped data/review.yaml)"
    if error.validator == "exclusiveMinimum":
        return f"{key}: use a value greater than {error.validator_value}"
    if error.validator == "minimum":
        return f"{key}: use a value of at least {error.validator_value}"
    if error.validator in ("maximum", "exclusiveMaximum"):
        return f"{key}: use a value of at most {error.validator_value}"
    return None
