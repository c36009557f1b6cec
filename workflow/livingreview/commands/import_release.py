"""``python -m livingreview import --review DIR --release X`` (``make import``): import a database release.

Reads the vendored release ``DIR/sources/X/`` (a Metapsy database release:
``data.csv`` and ``metadata/``) and writes the review's study tables,
``references.bib`` and ``import-report.md`` (see
:mod:`livingreview.importers.metapsy`). It prints what changed, the
share of references that became complete structured entries, and the
incomplete ones the author has not accepted (``data/reference-corrections.csv``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import DataError
from ..importers import metapsy


def main(review: Path, release: str, force: bool = False) -> int:
    """Import release *release* into review folder *review*; 0 when done."""
    source = review / "sources" / release
    if not (source / "data.csv").is_file():
        available = sorted(p.name for p in (review / "sources").glob("*") if (p / "data.csv").is_file())
        raise DataError(str(source), None, f'there is no vendored release "{release}" (no data.csv)',
                        "choose one of: " + (", ".join(available) or "(none: vendor a release under sources/)"))
    loaded = metapsy.read_release(source)
    files, bibliography = metapsy.import_files(loaded, metapsy.read_corrections(review))
    changed = metapsy.write_import(review, files, release, force=force)
    complete, total = metapsy.coverage(bibliography.parsed)
    share = f"{100 * complete / total:.1f} %" if total else "-"
    print(f"livingreview: imported release {release} into {review}: {len(loaded.frame)} rows, "
          f"{total} studies; {complete} of {total} references ({share}) are complete "
          f"structured entries (see {review / metapsy.REPORT})", file=sys.stderr)
    incomplete = sorted(key for key, (_, result) in bibliography.parsed.items() if not result.complete)
    unaccepted = [key for key in incomplete if key not in bibliography.accepted]
    if incomplete:
        print(f"livingreview: {len(incomplete)} incomplete, {len(incomplete) - len(unaccepted)} of them accepted in "
              f"{metapsy.REFERENCE_CORRECTIONS}" + (f"; not accepted: {', '.join(unaccepted)} (a warning at every "
                                                    "build; make review STRICT=1 refuses them)" if unaccepted else ""),
              file=sys.stderr)
    print(f"livingreview: {'changed: ' + ', '.join(changed) if changed else 'nothing changed'}", file=sys.stderr)
    return 0
