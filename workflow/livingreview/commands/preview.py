"""``python -m livingreview preview REVIEW`` (``make preview REVIEW=path``): edit, save, the page reloads.

The preview builds the review's HTML into its build folder (Snakemake's
target ``BUILD/release/review.html``: the rules before ``manifest`` and
``publish``, so ``output/`` is never written), serves a copy of it on
127.0.0.1 only (the standard library's ``http.server``, in a thread), and
watches every input of the review (its config, data, templates and
bibliography, and the pipeline's shared templates) with ``watchfiles``.
Each change runs Snakemake again in this same process: the imports stay
loaded, and Snakemake re-runs only the jobs whose inputs changed. The
served copy (``BUILD/preview/``, never the release) carries a
small script that polls ``/__livingreview__/state.json`` and reloads the page
when a new version is ready; when a build fails, the page keeps the last good
version and shows the message the terminal shows (the logger plugin's
``error: ...`` and ``fix: ...`` lines) in a banner.

The state (``building``, ``ready`` with its version, or ``error`` with its
message) is announced on stdout (``livingreview: preview ready (version N)``)
and in ``BUILD/preview/state.json``: a test or a benchmark waits on it.
"""

from __future__ import annotations

import http.server
import io
import json
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import yaml

from ..errors import ConfigError
from ..project import check_package, find_project
from .build import check_workflow_syntax, exit_status, snakemake_arguments

STATE_PATH = "/__livingreview__/state.json"
# Polls the state and reloads the page on a new version; shows a failed build's message and keeps the page.
SCRIPT = """<script>/* livingreview preview: not part of the release */
(function () {
  var shown = %(version)d;
  function banner(text) {
    var box = document.getElementById("livingreview-preview-error");
    if (!text) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "livingreview-preview-error";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;margin:0;padding:1em;max-height:40vh;" +
        "overflow:auto;background:#7a0010;color:#fff;font:14px/1.4 monospace;white-space:pre-wrap;z-index:9999";
      document.body.appendChild(box);
    }
    box.textContent = "The last build failed; this page is the last good version.\\n\\n" + text;
  }
  function poll() {
    fetch("%(state)s", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
      if (s.version !== shown) { location.reload(); return; }
      banner(s.status === "error" ? s.error : "");
    }).catch(function () {}).finally(function () { setTimeout(poll, 250); });
  }
  poll();
})();
</script>
"""
PLACEHOLDER = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>livingreview preview</title></head>
<body><main><h1>livingreview preview</h1><p>No build of this review has succeeded yet.</p></main></body></html>
"""


class Tee(io.TextIOBase):
    """A text stream that writes to *stream* and keeps a copy (what the terminal showed during a build)."""

    def __init__(self, stream):
        self.stream, self.parts = stream, []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def text(self) -> str:
        return "".join(self.parts)


def error_message(terminal: str) -> str:
    """The author's message in what a failed build printed: its ``error:`` lines and what follows them."""
    lines = [line.replace("\r", "").replace("\x1b[K", "") for line in terminal.splitlines()]
    start = next((i for i, line in enumerate(lines) if line.startswith("error:")), None)
    if start is None:
        return "\n".join(line for line in lines if line.strip())[-4000:] or "the build failed"
    return "\n".join(line for line in lines[start:] if line.strip())


def inject(page: str, version: int) -> str:
    """*page* with the preview's script before ``</body>`` (the served copy only)."""
    script = SCRIPT % {"version": version, "state": STATE_PATH}
    return page.replace("</body>", script + "</body>", 1) if "</body>" in page else page + script


class Preview:
    """One review's preview: its builds, its served folder and its state."""

    def __init__(self, review: Path):
        self.review = review.resolve()
        self.project = find_project(review)
        config = yaml.safe_load((self.review / "config" / "config.yaml").read_text(encoding="utf-8")) or {}
        self.build_dir = self.review / str(config.get("build_dir", "build"))
        self.output_dir = self.review / str(config.get("output_dir", "output"))
        self.release = self.build_dir / "release"
        self.served = self.build_dir / "preview"
        self.target = os.path.relpath(self.release / "review.html", self.review)
        self.state = {"version": 0, "status": "building", "error": ""}
        self.lock = threading.Lock()

    def announce(self, **state) -> None:
        """Set and announce the state (stdout, ``state.json`` in the served folder)."""
        with self.lock:
            self.state.update(state)
            self.served.mkdir(parents=True, exist_ok=True)
            temporary = self.served / "state.json.tmp"
            temporary.write_text(json.dumps(self.state), encoding="utf-8")
            os.replace(temporary, self.served / "state.json")
        status = self.state["status"]
        detail = f" (version {self.state['version']})" if status == "ready" else ""
        print(f"livingreview: preview {status}{detail}", flush=True)

    def snakemake(self) -> tuple[int, str]:
        """Run Snakemake's command line in this process for the HTML target; its status and what it printed."""
        from snakemake.cli import main as snakemake

        tee, stderr, cwd = Tee(sys.stderr), sys.stderr, os.getcwd()
        # Snakemake installs its own handlers of SIGINT and SIGTERM (a graceful stop of its jobs): after the
        # build, the preview's own are put back, or a SIGTERM would no longer stop the preview.
        handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
        sys.stderr = tee
        try:
            snakemake([self.target, *snakemake_arguments(self.project, self.review, [])])
            status = 0
        except SystemExit as exc:
            status = exit_status(exc)
        finally:
            sys.stderr = stderr
            os.chdir(cwd)
            for number, handler in handlers.items():
                signal.signal(number, handler)
        return status, tee.text()

    def rebuild(self) -> bool:
        """Build the HTML; on success publish it to the served folder as a new version, else show the error."""
        self.announce(status="building")
        status, terminal = self.snakemake()
        if status != 0 or not (self.release / "review.html").is_file():
            self.announce(status="error", error=error_message(terminal))
            return False
        version = self.state["version"] + 1
        figures = self.release / "figures"
        if figures.is_dir():
            shutil.copytree(figures, self.served / "figures", dirs_exist_ok=True)
        page = inject((self.release / "review.html").read_text(encoding="utf-8"), version)
        temporary = self.served / "index.html.tmp"
        temporary.write_text(page, encoding="utf-8")
        os.replace(temporary, self.served / "index.html")
        self.announce(status="ready", version=version, error="")
        return True

    def server(self, port: int) -> http.server.ThreadingHTTPServer:
        """The HTTP server of the served folder, bound to 127.0.0.1 only."""
        preview = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(preview.served), **kwargs)

            def do_GET(self):  # noqa: N802 (http.server's name)
                if self.path.split("?")[0] == STATE_PATH:
                    with preview.lock:
                        body = json.dumps(preview.state).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Cache-Control", "no-store")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                super().do_GET()

            def end_headers(self):
                self.send_header("Cache-Control", "no-store")
                super().end_headers()

            def log_message(self, format, *args):  # noqa: A002 (http.server's name)
                pass

        try:
            return http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            raise ConfigError("PORT", str(port), f"the preview cannot listen on 127.0.0.1:{port} ({exc.strerror})",
                              "stop the program that uses that port (another preview?), or choose another: "
                              "make preview PORT=8001") from None

    def watched(self) -> list[Path]:
        """The folders watched with their subfolders: the review's config, data and templates, the pipeline's
        shared templates (the review folder's own files, such as references.bib, are watched without its
        subfolders: the seed review's folder is the project, with .venv/ and workflow/ in it)."""
        folders = [self.review / name for name in ("config", "data", "templates")] + [self.project / "templates"]
        return [folder for folder in dict.fromkeys(folders) if folder.is_dir()]

    def watch(self, stop: threading.Event):
        """Start watching (watchfiles, in two threads: the folders, and the review folder's own files) and return
        the sets of changed paths as they come. Started before the first build, so that the watchers are in
        place when the first version is announced."""
        import queue

        import watchfiles

        found: queue.Queue = queue.Queue()

        def follow(paths, recursive):
            for changes in watchfiles.watch(*paths, watch_filter=lambda _, path: not self.ignored(path),
                                            recursive=recursive, debounce=50, step=10, stop_event=stop,
                                            yield_on_timeout=False):
                found.put(changes)

        threading.Thread(target=follow, args=(self.watched(), True), daemon=True).start()
        threading.Thread(target=follow, args=([self.review], False), daemon=True).start()
        return self.changes(found, stop)

    @staticmethod
    def changes(found, stop: threading.Event):
        """The sets of changed paths from *found*, those that came together as one."""
        import queue

        while not stop.is_set():
            try:
                changes = set(found.get(timeout=0.5))
            except queue.Empty:
                continue
            while not found.empty():  # one build for changes that came together
                changes |= found.get_nowait()
            yield changes

    def ignored(self, path: str) -> bool:
        """True for a change no build reads: the build, output and Snakemake folders, hidden files, caches."""
        parts = Path(path).resolve()
        skipped = (self.build_dir, self.output_dir, self.review / ".snakemake", self.review / ".output.publish")
        if any(parts == folder or folder in parts.parents for folder in skipped):
            return True
        inside = parts.relative_to(self.review).parts if self.review in parts.parents else parts.parts
        return (any(part.startswith(".") for part in inside) or "__pycache__" in parts.parts
                or parts.name.endswith((".tmp", "~")))


def stop_on_signal(number, frame) -> None:
    """Stop the preview (SIGTERM) as Ctrl-C does."""
    raise KeyboardInterrupt


def main(review: Path, port: int = 8000) -> int:
    """Preview review folder *review* on http://127.0.0.1:PORT/ until Ctrl-C (0: a free port)."""
    preview = Preview(review)
    signal.signal(signal.SIGTERM, stop_on_signal)  # a SIGTERM stops the preview as Ctrl-C does
    check_package(preview.project)
    check_workflow_syntax(preview.project)
    paths = [str(preview.project / "workflow"), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    preview.served.mkdir(parents=True, exist_ok=True)
    if not (preview.served / "index.html").is_file():
        (preview.served / "index.html").write_text(inject(PLACEHOLDER, 0), encoding="utf-8")
    server = preview.server(port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"livingreview: preview of {review} at {url} (builds into {preview.build_dir}/, "
          "never output/; Ctrl-C stops)", flush=True)
    stop = threading.Event()
    changes = preview.watch(stop)
    preview.rebuild()
    try:
        for changed in changes:
            started = time.perf_counter()
            names = sorted({os.path.relpath(path, preview.review) for _, path in changed})
            print(f"livingreview: changed {', '.join(names[:3])}{' ...' if len(names) > 3 else ''}", flush=True)
            preview.rebuild()
            print(f"livingreview: rebuilt in {time.perf_counter() - started:.2f} s", flush=True)
    except KeyboardInterrupt:
        print("livingreview: preview stopped", flush=True)
    finally:
        stop.set()
        server.shutdown()
    return 0


