"""The command line: ``python -m livingreview COMMAND`` (build, new, preview, import, verify,
check-certificate, check-bib, bench, pages).

Arguments are declared in one place (:func:`make_parser`), exit statuses
are an :class:`ExitStatus`, and :func:`main` turns an author's problem into
one plain message (``--traceback`` shows the whole trace).
"""

from __future__ import annotations

import argparse
import enum
import sys
from pathlib import Path

from ..errors import LivingReviewError


class ExitStatus(enum.IntEnum):
    """Exit statuses of the command line."""

    OK = 0
    ERROR = 1  # the inputs have a problem, the build failed, or verification failed
    USAGE = 2
    INTERRUPTED = 130  # stopped by Ctrl-C (a build is Snakemake's: it exits 1 then)


INTERRUPTED_MESSAGE = "livingreview: interrupted"


def make_parser() -> argparse.ArgumentParser:
    """All commands and options, declared in one place."""
    parser = argparse.ArgumentParser(prog="python -m livingreview",
                                     description="Regenerate a review article from its evidence.")
    parser.add_argument("--traceback", action="store_true", help="show the full Python traceback on errors")
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="build the review and publish it to its output folder")
    build_cmd.add_argument("review", nargs="?", default=".", help="the review folder (default: .)")
    build_cmd.add_argument("--config", nargs="*", default=[], metavar="KEY=VALUE",
                           help="override the review's config/config.yaml, as with snakemake --config")
    new_cmd = commands.add_parser("new", help="write a new review folder with a small example that builds at once")
    new_cmd.add_argument("review", help="the new review folder (it may lie outside the project, e.g. ../my-review)")
    new_cmd.add_argument("--kind", default="narrative", help="the kind of review: narrative or meta-analysis "
                         "(default: narrative)")
    preview_cmd = commands.add_parser("preview", help="build the HTML into build/, serve it on 127.0.0.1 and "
                                      "rebuild and reload it on every save (never publishes output/)")
    preview_cmd.add_argument("review", nargs="?", default=".", help="the review folder (default: .)")
    preview_cmd.add_argument("--port", type=int, default=8000, help="the port on 127.0.0.1 (default 8000; 0: any free)")
    bench_preview_cmd = commands.add_parser("bench-preview", help="time save -> page ready in the preview (medians)")
    bench_preview_cmd.add_argument("reviews", nargs="+", help="the review folders")
    bench_preview_cmd.add_argument("--runs", type=int, default=5, help="edits per review (default 5)")
    bench_cmd = commands.add_parser("bench", help="time cold, no-op and one-edit builds (medians), and a peer")
    bench_cmd.add_argument("review", nargs="?", default=".", help="the review folder (default: .)")
    bench_cmd.add_argument("--runs", type=int, default=5, help="runs per scenario (default 5)")
    scale_cmd = commands.add_parser("bench-scale", help="time and memory of builds of N synthetic studies")
    scale_cmd.add_argument("sizes", nargs="*", type=int, default=[1000, 2000, 10000], help="numbers of studies")
    verify_cmd = commands.add_parser("verify", help="rebuild in a temporary folder and compare with the "
                                                    "published release and its manifest; exit 0 on PASS, 1 on FAIL")
    verify_cmd.add_argument("review", nargs="?", default=".", help="the review folder (default: .)")
    verify_cmd.add_argument("--keep", action="store_true", help="keep the temporary folder to inspect the rebuild")
    verify_cmd.add_argument("--certificate", type=Path, metavar="PATH",
                            help="also write the verification as a certificate (JSON) to PATH")
    check_cmd = commands.add_parser("check-certificate", help="check what a verification certificate claims "
                                    "against the manifest and the files at the commit it names; exit 0 when it holds")
    check_cmd.add_argument("file", type=Path, help="the certificate (make verify CERTIFICATE=...)")
    import_cmd = commands.add_parser("import", help="import a vendored database release (REVIEW/sources/RELEASE/) "
                                     "into the review's tables, references.bib and import-report.md")
    import_cmd.add_argument("--review", required=True, help="the review folder (e.g. examples/metapsy-depression)")
    import_cmd.add_argument("--release", required=True, help="the release under REVIEW/sources/ (e.g. 22.0.2)")
    import_cmd.add_argument("--force", action="store_true", help="replace imported files even if edited by hand")
    pages_cmd = commands.add_parser("pages", help="render the release's PDF pages and HTML page as PNG pictures "
                                    "(REVIEW/build/pages/) for a human look")
    pages_cmd.add_argument("review", nargs="?", default=".", help="the review folder (default: .)")
    bib_cmd = commands.add_parser("check-bib", help="format every entry of a BibTeX file with a reference style "
                                  "and report, by key, what cannot be read or formatted")
    bib_cmd.add_argument("file", help="the BibTeX file (e.g. references.bib)")
    bib_cmd.add_argument("--style", default="seed", help="reference style (default: seed)")
    bib_cmd.add_argument("--templates", default="templates", help="the review's own templates folder")
    bib_cmd.add_argument("--show", action="store_true", help="also print every formatted reference")
    return parser


def run(args: argparse.Namespace) -> int:
    """Run one command."""
    if args.command == "build":
        from .build import build

        return build(Path(args.review), args.config)
    if args.command == "new":
        from .new import new

        return new(Path(args.review), args.kind)
    if args.command == "preview":
        from .preview import main as preview

        return preview(Path(args.review), args.port)
    if args.command == "bench-preview":
        from .bench_preview import main as bench_preview

        return bench_preview([Path(review) for review in args.reviews], args.runs)
    if args.command == "check-bib":
        from .check_bib import main as check_bib

        return check_bib(args.file, args.style, args.templates, args.show)
    if args.command == "pages":
        from .pages import main as pages

        return pages(args.review)
    if args.command == "import":
        from .import_release import main as import_release

        return import_release(Path(args.review), args.release, force=args.force)
    if args.command == "verify":
        from .verify import main as verify

        return verify(Path(args.review), keep=args.keep, certificate_path=args.certificate)
    if args.command == "check-certificate":
        from .check_certificate import main as check_certificate

        return check_certificate(args.file)
    if args.command == "bench-scale":
        from .bench_scale import main as bench_scale

        return bench_scale(args.sizes)
    from .bench import main as bench

    return bench(Path(args.review), args.runs)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = make_parser().parse_args(argv)
    try:
        return run(args)
    except LivingReviewError as exc:
        if args.traceback:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return ExitStatus.ERROR
    except KeyboardInterrupt:
        print(INTERRUPTED_MESSAGE, file=sys.stderr)
        return ExitStatus.INTERRUPTED
