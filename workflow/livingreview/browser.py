"""Headless Chromium (Debian's ``chromium`` package) for what needs a browser's eyes: an accessibility
audit of ``review.html`` with axe-core, and screenshots of the page for a human look.

Neither the build nor its tests download a browser: ``.ci/run`` installs Debian's ``chromium`` (and
``poppler-utils`` for ``pdftoppm``), and axe-core is vendored under ``tests/vendor/axe-core/`` (from the
npm registry, with its licence). Chromium runs with a fresh profile folder, no network services, no
sandbox (CI runs as root) and no GPU.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         "--disable-dev-shm-usage", "--mute-audio"]
# The axe-core rules' impact levels that fail the audit.
FAILING = ("serious", "critical")
RESULT_ID = "livingreview-axe-results"


def chromium() -> str | None:
    """The path of the system's Chromium (``CHROMIUM`` in the environment, or chromium on the PATH), or None."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def run_chromium(arguments: list[str], timeout: float = 120) -> str:
    """Run headless Chromium with *arguments* and a fresh profile folder; its standard output."""
    browser = chromium()
    if browser is None:
        raise FileNotFoundError("chromium is not installed (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="livingreview-chromium-") as profile:
        done = subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", *arguments], capture_output=True,
                              text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def screenshot(address: str, out: str | Path, width: int, height: int) -> None:
    """A PNG screenshot *out* of the page at *address* (a file: URL, perhaps with a fragment to scroll to) in
    a window of *width* x *height* CSS pixels."""
    run_chromium([f"--window-size={width},{height}", f"--screenshot={Path(out).resolve()}",
                  "--virtual-time-budget=5000", address])


def axe_audit(page: str | Path, axe_script: str | Path, width: int = 1280, height: int = 900) -> dict:
    """axe-core's results (``violations``, ``passes``, ...) for the HTML file *page*, run in headless Chromium.

    A copy of the page (standalone: the release's pages need no other file) in a temporary folder loads
    *axe_script* and runs ``axe.run`` on the document once it has loaded; the results are then written into an element
    added after the audit, which Chromium's ``--dump-dom`` prints.
    """
    page = Path(page).resolve()
    runner = (f"<script>{Path(axe_script).read_text(encoding='utf-8')}</script>\n"
              "<script>window.addEventListener('load', function () {\n"
              "  axe.run(document, {resultTypes: ['violations']}).then(function (results) {\n"
              f"    var out = document.createElement('pre'); out.id = '{RESULT_ID}';\n"
              "    out.textContent = JSON.stringify({violations: results.violations,\n"
              "                                      testEngine: results.testEngine});\n"
              "    document.body.appendChild(out);\n"
              "  }, function (error) {\n"
              f"    var out = document.createElement('pre'); out.id = '{RESULT_ID}';\n"
              "    out.textContent = JSON.stringify({error: String(error)});\n"
              "    document.body.appendChild(out);\n"
              "  });\n"
              "});</script>\n")
    html = page.read_text(encoding="utf-8")
    at = html.rindex("</body>")
    with tempfile.TemporaryDirectory(prefix="livingreview-axe-") as folder:
        copy = Path(folder, page.name)
        copy.write_text(html[:at] + runner + html[at:], encoding="utf-8")
        dom = run_chromium([f"--window-size={width},{height}", "--virtual-time-budget=60000", "--dump-dom",
                            copy.as_uri()])
    start = dom.find(f'<pre id="{RESULT_ID}">')
    if start < 0:
        raise RuntimeError("axe-core did not report (no results in the page after loading)")
    text = dom[start + len(f'<pre id="{RESULT_ID}">'):dom.index("</pre>", start)]
    import html as html_escaping

    results = json.loads(html_escaping.unescape(text))
    if "error" in results:
        raise RuntimeError(f"axe-core failed: {results['error']}")
    return results


def failing(results: dict) -> list[str]:
    """The violations of *results* whose impact is serious or critical, each as "rule (impact): where"."""
    return [f"{v['id']} ({v['impact']}): {v['help']}; " + ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            for v in results["violations"] if v.get("impact") in FAILING]
