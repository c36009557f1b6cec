"""Load the JSON Schemas (written in YAML) under ``workflow/schemas`` and
turn schema violations into messages that name the file and the place."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jsonschema
import yaml

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


@cache
def load_schema(name: str) -> dict:
    """Return the schema ``workflow/schemas/<name>.schema.yaml`` as a dict."""
    with open(SCHEMA_DIR / f"{name}.schema.yaml", encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def schema_errors(instance, name: str) -> list[jsonschema.ValidationError]:
    """Return the violations of schema *name* by *instance*, in a stable order."""
    validator_cls = jsonschema.validators.validator_for(load_schema(name))
    validator = validator_cls(load_schema(name), format_checker=validator_cls.FORMAT_CHECKER)
    return sorted(validator.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.message))


# The order in which several violations of one value are worth reporting: the most basic first.
_VIOLATION_ORDER = ["required", "type", "minLength", "enum", "pattern"]


def violation_rank(error: jsonschema.ValidationError) -> int:
    """Sort key putting the most basic violation of a value first (an empty cell before its missing full stop)."""
    return _VIOLATION_ORDER.index(error.validator) if error.validator in _VIOLATION_ORDER else len(_VIOLATION_ORDER)


def describe_error(error: jsonschema.ValidationError) -> tuple[str, str]:
    """Return (field path, plain-English problem) for a schema violation."""
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        path = ".".join(filter(None, [path, missing]))
        return path, "is required but missing"
    if error.validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        return path, f"{error.instance!r} is not one of the allowed values: {allowed}"
    if error.validator == "minLength" and error.instance == "":
        return path, "is empty but must be filled in"
    if error.validator == "additionalProperties":
        return path or "(top level)", error.message
    if error.validator == "type":
        return path, f"{error.instance!r} is not of type {error.validator_value}"
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
    unexpected one, the missing key for a required one. The fix quotes the
    key's description from the schema.
    """
    from .errors import closest

    path = list(error.absolute_path)
    field, problem = describe_error(error)
    near, fix = None, None
    if error.validator == "additionalProperties":
        allowed = list(schema_node(schema, path).get("properties", {}))
        unknown = [k for k in (error.instance or {}) if k not in allowed]
        if unknown:
            path = path + [unknown[0]]
            problem = f'"{unknown[0]}" is not a known key'
            near = closest(unknown[0], allowed)
            fix = f'rename the key to "{near}"' if near else "delete the key; allowed: " + ", ".join(allowed)
    elif error.validator == "required":
        path = path + [field.split(".")[-1]]
    key = ".".join(str(p) for p in path)
    description = schema_node(schema, path).get("description", "").strip()
    if error.validator == "enum":
        near = closest(error.instance, error.validator_value)
        fix = f'write "{near}" instead' if near else "write one of the allowed values listed"
    elif error.validator == "pattern" and (error.schema.get("x-problem") or description):
        shown = error.instance if len(str(error.instance)) <= 60 else "..." + str(error.instance)[-50:]
        problem = f"{shown!r} " + error.schema.get("x-problem", "does not have the expected form")
    if fix is None:
        fix = f"{key}: {description}" if description else _expected(error, key) or \
            f"see workflow/schemas/{name}.schema.yaml"
    problem = problem.rstrip(".") + "." + (f' Did you mean "{near}"?' if near else "")
    return path, problem, fix


_TYPE_WORDS = {"integer": "a whole number", "number": "a number", "string": "text", "boolean": "true or false",
               "array": "a list", "object": "a mapping (key: value lines)", "null": "nothing"}


def _expected(error: jsonschema.ValidationError, key: str) -> str | None:
    """A plain fix for a type or range violation, when the schema gives no description."""
    if error.validator == "type":
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return f"{key}: write " + " or ".join(_TYPE_WORDS.get(t, t) for t in types)
    if error.validator in ("minimum", "exclusiveMinimum"):
        return f"{key}: use a value of at least {error.validator_value}"
    if error.validator in ("maximum", "exclusiveMaximum"):
        return f"{key}: use a value of at most {error.validator_value}"
    return None
