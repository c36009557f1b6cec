"""The committed changes reports in a real browser (headless Chromium): no horizontal scrolling at 390 px
(a phone) or 1,280 px (a screen), every folded section open, and the labels of the changed paragraphs
are labels, not text swallowed into the quote above them.

Chromium is the Debian package ``chromium`` (.ci/run installs it); without it the browser test is
skipped, the structural checks still run."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REPORTS = [ROOT / "examples" / "metapsy-depression" / "output" / "changes.html", ROOT / "output" / "changes.html"]
WIDTHS = (390, 1280)

# The report in a frame *width* px wide (a headless window is never narrower than 500 px): every
# <details> opened, then the frame's scroll width and client width written into the page for --dump-dom.
FRAME = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="report" src="%s" style="width:%dpx;height:900px;border:0"></iframe>
<script>
document.getElementById("report").addEventListener("load", function () {
  var page = this.contentDocument;
  page.querySelectorAll("details").forEach(function (d) { d.open = true; });
  var root = page.documentElement;
  document.body.setAttribute("data-widths", root.scrollWidth + " " + root.clientWidth);
});
</script></body></html>"""


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def page_widths(report: Path, width: int, folder: Path) -> tuple[int, int]:
    """The scroll width and the width of the report shown *width* px wide, in headless Chromium."""
    frame = folder / f"frame-{width}.html"
    frame.write_text(FRAME % (report.resolve().as_uri(), width), encoding="utf-8")
    result = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--allow-file-access-from-files",
         f"--user-data-dir={folder / f'profile-{width}'}", "--window-size=1400,1000", "--virtual-time-budget=5000",
         "--dump-dom", frame.as_uri()],
        capture_output=True, text=True, timeout=180)
    found = re.search(r'data-widths="(\d+) (\d+)"', result.stdout)
    assert found, result.stderr[-2000:]
    return int(found.group(1)), int(found.group(2))


@pytest.mark.parametrize("report", REPORTS, ids=lambda p: p.parent.parent.name)
def test_no_horizontal_scrolling_at_390_and_1280_px(report, tmp_path):
    if chromium() is None:
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    for width in WIDTHS:
        scroll, shown = page_widths(report, width, tmp_path)
        assert scroll <= shown, f"{report}: the page is {scroll} px wide, shown {shown} px wide"


def test_labels_are_labels_and_the_detail_is_folded_below_the_summary():
    html = REPORTS[0].read_text(encoding="utf-8")
    quotes = re.findall(r"<blockquote>(.*?)</blockquote>", html, flags=re.DOTALL)
    assert quotes and not any("(reworded)" in q or "(added)" in q or "(removed)" in q for q in quotes)
    summary, detail = html.split("<details", 1)
    assert "Moved most by" in summary and "Reference numbers" not in summary
    for part in ("search", "trials-added", "trials-revised", "reference-numbers", "changed-paragraphs"):
        assert f'href="#{part}"' in summary and f'id="{part}"' in detail, part
