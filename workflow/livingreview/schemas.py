"""Load the JSON Schemas (written in YAML) under ``workflow/schemas`` and
turn schema violations into messages that name the file and the place."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jsonschema
import yaml

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    """Return the schema ``workflow/schemas/<name>.schema.yaml`` as a dict."""
    with open(SCHEMA_DIR / f"{name}.schema.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def schema_errors(instance, name: str) -> list[jsonschema.ValidationError]:
    """Return the violations of schema *name* by *instance*, in a stable order."""
    validator_cls = jsonschema.validators.validator_for(load_schema(name))
    validator = validator_cls(load_schema(name), format_checker=validator_cls.FORMAT_CHECKER)
    return sorted(validator.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.message))


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
