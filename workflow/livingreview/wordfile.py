"""Word files (DOCX) with the same bytes from every build.

A DOCX file is a zip package. Pandoc dates its members, and the document's
creation and modification dates (``docProps/core.xml``), with the clock, or
with ``SOURCE_DATE_EPOCH`` when that environment variable is set; setting a
variable of the build's own process is not safe while other jobs run in its
threads, and would still leave the bytes to pandoc's zip writer. So the
package is rewritten instead: its members in a fixed order
(``[Content_Types].xml`` first, then by name), each dated by the review's
publication date and stored uncompressed (compressed bytes would depend on
the zlib library of the machine), and the document dated by that day too.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

CONTENT_TYPES = "[Content_Types].xml"
CORE_PROPERTIES = "docProps/core.xml"
_CORE_DATE = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def member_order(names: list[str]) -> list[str]:
    """The package's members in a fixed order: the content types first (as Office writes them), then by name."""
    return sorted(names, key=lambda name: (name != CONTENT_TYPES, name))


def dated_core_properties(xml: bytes, when: dt.datetime) -> bytes:
    """``docProps/core.xml`` with its creation and modification dates set to *when* (UTC)."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
    dated, count = _CORE_DATE.subn(lambda m: m.group(1) + stamp + m.group(3), xml)
    if count != 2:
        raise ValueError(f"{CORE_PROPERTIES} has {count} creation/modification dates, expected 2")
    return dated


def deterministic_docx(data: bytes, when: dt.datetime) -> bytes:
    """The DOCX package *data* rewritten so that its bytes depend on its contents and *when* only."""
    source = zipfile.ZipFile(io.BytesIO(data))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as package:
        for name in member_order(source.namelist()):
            content = source.read(name)
            if name == CORE_PROPERTIES:
                content = dated_core_properties(content, when)
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # Unix, whatever the machine
            info.external_attr = 0o644 << 16
            package.writestr(info, content)
    return target.getvalue()
