"""Reading and writing the pipeline's files: atomic writes, stable JSON."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

# Ending of the temporary files :func:`write_atomic` writes beside their target
# (``.review.md.<random>.livingreview.tmp``): a killed build can leave one behind.
TEMPORARY_SUFFIX = ".livingreview.tmp"


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write *data* to *path* through a temporary file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX)
    try:
        with os.fdopen(fd, mode, **({} if isinstance(data, bytes) else {"encoding": "utf-8", "newline": "\n"})) as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: str | Path, data) -> None:
    """Write *data* as sorted, indented UTF-8 JSON (stable bytes)."""
    write_atomic(path, json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def read_json(path: str | Path):
    """Read a JSON file written by :func:`write_json`."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
