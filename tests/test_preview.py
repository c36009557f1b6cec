"""``make preview``: an edit of a data file reaches the served page, a broken row shows its error in the page
(the terminal's message) while the last good page stays, and ``output/`` is never written.

The tests wait on the states the preview announces (its ``state.json`` endpoint), never on a fixed sleep.
"""

from __future__ import annotations

from conftest import copy_project
from livingreview.commands.bench_preview import PreviewProcess
from livingreview.commands.preview import SCRIPT, error_message, inject


def test_the_reload_script_goes_into_the_served_copy_only():
    page = inject("<html><body><p>x</p></body></html>", 3)
    assert page.count("<script>") == 1 and "var shown = 3;" in page and page.endswith("</script>\n</body></html>")
    assert "livingreview preview" in SCRIPT


def test_the_page_shows_the_terminals_error_lines():
    terminal = ("Using workflow specific profile profiles/default\n"
                "error: data/studies.csv, row 1 (line 2), column status: 'x' is not allowed\n"
                "  fix: write included\nlivingreview: build failed; output/ was left unchanged\n")
    assert error_message(terminal) == ("error: data/studies.csv, row 1 (line 2), column status: 'x' is not allowed\n"
                                       "  fix: write included\nlivingreview: build failed; output/ was left unchanged")


def test_an_edit_reaches_the_page_a_broken_row_shows_its_error_and_output_is_untouched(tmp_path):
    project = copy_project(tmp_path / "project")
    studies = project / "data" / "studies.csv"
    with PreviewProcess(project, ".") as preview:
        first = preview.wait(lambda s: s["status"] in ("ready", "error"))
        assert first["status"] == "ready", first
        assert "Previewmarkerword" not in preview.page()
        text = studies.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        key = lines[1].split(",")[0]
        assert ",included," in lines[1]
        edited = lines[1].rstrip("\n")
        edited = edited[:-1] + ' Previewmarkerword."\n' if edited.endswith('"') else edited + "\n"
        studies.write_text("".join([lines[0], edited, *lines[2:]]), encoding="utf-8")
        second = preview.wait(lambda s: s["version"] > first["version"] or s["status"] == "error")
        assert second["status"] == "ready", second
        page = preview.page()
        assert "Previewmarkerword" in page, "".join(preview.lines)
        assert "__livingreview__/state.json" in page

        broken = lines[1].replace(",included,", ",includd,", 1)
        studies.write_text("".join([lines[0], broken, *lines[2:]]), encoding="utf-8")
        failed = preview.wait(lambda s: s["status"] == "error")
        assert failed["error"].startswith("error: data/studies.csv, row 1 (line 2), column status: 'includd'")
        assert "fix:" in failed["error"] and failed["version"] == second["version"]
        terminal = "".join(preview.lines)
        assert failed["error"].splitlines()[0] in terminal  # the same message as on the terminal
        assert "Previewmarkerword" in preview.page()  # the last good page stays
    assert key and not (project / "output").exists()
    release = (project / "build" / "release" / "review.html").read_text(encoding="utf-8")
    assert "__livingreview__" not in release  # the release never carries the preview's script
