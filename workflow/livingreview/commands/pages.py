"""``make pages``: the release's PDF pages and its HTML page as PNG pictures, for a human look at the layout.

What a test cannot judge (a figure's readability, a page's balance, a table's columns) is looked at in
pictures: every page of ``review.pdf`` (``pdftoppm`` of Debian's ``poppler-utils``, 80 dpi) and
``review.html`` at a phone's width (390 CSS pixels) and a desktop's (1280), whole (headless Chromium,
Debian's ``chromium``). They are written to ``REVIEW/build/pages/``, never to the release.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .. import browser

# Window sizes (CSS pixels): a phone's and a desktop's; a long page is cut into slices of SLICE pixels.
WIDTHS = {"phone": 390, "desktop": 1280}
SLICE = 3000
MAX_SLICES = 60


def render(review: str, out: str | None = None, dpi: int = 80) -> list[Path]:
    """The PNG pictures of *review*'s published ``output/review.pdf`` and ``output/review.html``, in *out*
    (default ``REVIEW/build/pages``); the list of files written."""
    release = Path(review, "output")
    folder = Path(out) if out else Path(review, "build", "pages")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    written: list[Path] = []
    if shutil.which("pdftoppm") is None:
        raise SystemExit("pdftoppm is not installed (Debian: apt-get install poppler-utils)")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(release / "review.pdf"), str(folder / "pdf-page")],
                   check=True)
    written += sorted(folder.glob("pdf-page-*.png"))
    html = (release / "review.html").read_text(encoding="utf-8")
    for name, width in WIDTHS.items():
        written += html_slices(release / "review.html", html, folder, name, width)
    return written


def html_slices(page: Path, html: str, folder: Path, name: str, width: int) -> list[Path]:
    """Screenshots of the HTML page at *width*, top to bottom, each SLICE pixels high: a copy of the page (it
    is standalone) in a temporary folder is shifted up by a slice each time (Chromium's command line cannot
    scroll), until a slice is blank."""
    written = []
    at = html.index("</head>")
    with tempfile.TemporaryDirectory(prefix="livingreview-pages-") as scratch:
        copy = Path(scratch, page.name)
        for number in range(MAX_SLICES):
            shift = f"<style>body {{ margin-top: -{number * SLICE}px; }}</style>"
            copy.write_text(html[:at] + shift + html[at:], encoding="utf-8")
            picture = folder / f"html-{name}-{number + 1:02d}.png"
            browser.screenshot(copy.as_uri(), picture, width, SLICE)
            if _blank(picture):
                picture.unlink()
                break
            written.append(picture)
    return written


def _blank(picture: Path) -> bool:
    """Whether *picture* is all white (the page has ended)."""
    from matplotlib import image

    return bool((image.imread(str(picture))[:, :, :3] > 0.98).all())


def main(review: str) -> int:
    """Render the pictures and name them."""
    for path in render(review):
        print(re.sub(r"^\./", "", str(path)))
    return 0
