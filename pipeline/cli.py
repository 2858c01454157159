"""The `xxgk` command line: parse | crawl | build | summary | serve | demo.

Operational errors (a read-only or full disk, an unreadable folder, another build holding
the output folder, a FIFO or a device given to `parse`) are one line on stderr and a non-zero
exit, never a traceback. File names are printed readable and valid UTF-8 whatever their
bytes (`pipeline.filenames`)."""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import stat
import sys
from pathlib import Path

from parsers.templates import TemplateError
from pipeline.filenames import raw_hex, readable


def _not_regular(path: str) -> str | None:
    """Why `path` is not a file to read, for a FIFO (reading would wait for a writer forever),
    a device (/dev/zero never ends), a socket; None for a regular file or a missing one (the
    reader says that itself)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    kinds = (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return "not a regular file (" + next((k for test, k in kinds if test(mode)), "a special file") + ")"


def _cmd_parse(args) -> int:
    from parsers.report import parse_file, tune_gc

    if len(args.files) > 1:
        tune_gc()  # the collector set for report after report (a few ms: not for one file)
    failed = 0
    for path in args.files:
        shown = readable(path)
        why = _not_regular(path)
        if why:
            print(f"{shown}: error: {why}", file=sys.stderr)
            failed += 1
            continue
        report = parse_file(Path(path))
        d = report.as_dict()
        d["source"]["path"] = shown  # valid UTF-8 whatever the name's bytes, with them in hex beside
        if raw_hex(path):
            d["source"]["path_bytes"] = raw_hex(path)
        if report.agency and not args.no_region:
            from pipeline.regions import resolve_region

            text = "\n".join(s.text for s in report.sections)[:20000]
            region = resolve_region(report.agency, text=text)
            d["region"] = region.as_dict()
            for code, message in region.warnings:
                print(f"{shown}: warning {code}: {message}", file=sys.stderr)
        if d.get("error"):
            d["error"] = readable(d["error"])
        if args.json:
            sys.stdout.write(json.dumps(d, ensure_ascii=False) + "\n")
        else:
            n_fail = sum(1 for c in report.checks if c.ok is False)
            status = (
                f"error: {report.error}"
                if report.error
                else (
                    f"{report.template} {report.year} {report.agency or '?'}: {len(report.cells)} cells, "
                    f"{n_fail} failed checks, {len(report.warnings)} warnings"
                )
            )
            print(f"{shown}: {readable(status)}")
        for w in report.warnings:
            print(f"{shown}: warning {w.code}: {w.message}", file=sys.stderr)
        if report.error:
            if args.json:  # without --json the summary line on stdout already says it
                print(f"{shown}: error: {readable(report.error)}", file=sys.stderr)
            failed += 1
    return 1 if args.files and failed == len(args.files) else 0


def _cmd_crawl(args) -> int:
    from scrapers.crawl import main as crawl_main

    return crawl_main(args)


def _cmd_build(args) -> int:
    from pipeline.build import build
    from pipeline.publishing import BuildLocked

    if not Path(args.raw).is_dir():
        print(f"xxgk build: raw directory not found: {args.raw}", file=sys.stderr)
        return 2
    years = None
    if args.years:
        m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", args.years)
        if not m or int(m.group(2) or m.group(1)) < int(m.group(1)):
            print(f"xxgk build: --years wants YEAR or FIRST-LAST, got {args.years!r}", file=sys.stderr)
            return 2
        years = (int(m.group(1)), int(m.group(2) or m.group(1)))
    try:
        res = build(
            args.raw,
            args.out,
            workers=args.workers,
            duckdb=args.duckdb,
            timeout=args.timeout,
            memory_mb=args.memory,
            reparse=args.reparse,
            progress=True,
            years=years,
            csv=args.csv,
            sqlite=args.sqlite,
            executor=args.executor,
            scheduler=args.scheduler,
        )
    except BuildLocked as e:
        print(f"xxgk build: error: {e}", file=sys.stderr)
        return 1
    return 0 if res.reports == 0 or res.kept > 0 else 1


def _cmd_summary(args) -> int:
    from pipeline.publishing import check
    from pipeline.summary import main as summary_main

    if Path(args.dir).is_dir():
        for problem in check(Path(args.dir)):  # an interrupted build: say so before summing its files
            print(f"xxgk summary: warning: {problem}", file=sys.stderr)

    return summary_main(args)


def _cmd_serve(args) -> int:
    from pipeline.browse import main as serve_main

    return serve_main(args)


def _cmd_demo(args) -> int:
    from pipeline.demo import main as demo_main

    return demo_main(args)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser. The crawler (and its HTTP stack) is imported for its options only
    when `argv` is a crawl command (or None, to describe every option), so that `xxgk parse`
    and `xxgk --help` start without it."""
    ap = argparse.ArgumentParser(
        prog="xxgk", description="Government information-disclosure annual reports -> clean data"
    )
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="parse report files of any form")
    p.add_argument("files", nargs="+", help="report files (text, HTML, PDF, DOCX ...)")
    p.add_argument("--json", action="store_true", help="print one JSON object per file (JSON Lines) to stdout")
    p.add_argument("--no-region", action="store_true", help="skip resolving the agency to a region with codes")
    p.set_defaults(func=_cmd_parse)
    c = sub.add_parser("crawl", help="crawl report columns of county portals into a raw store")
    if argv is None or argv[:1] == ["crawl"]:
        from scrapers.crawl import add_arguments as add_crawl_arguments

        add_crawl_arguments(c)
    c.set_defaults(func=_cmd_crawl)
    b = sub.add_parser("build", help="parse and normalize a raw store (or any folder of report files) into datasets")
    b.add_argument("--raw", default="data/raw", help="raw store or folder of report files (default data/raw)")
    b.add_argument("--out", default="data/clean", help="output directory (default data/clean)")
    b.add_argument("--workers", type=int, default=None, help="parser processes (default: one per CPU)")
    b.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="where documents are parsed: local worker processes (default) or Dask tasks (pip install "
        "'xxgk[dask]'); the outputs are the same",
    )
    b.add_argument(
        "--scheduler",
        default=None,
        help="with --executor dask: address of a Dask scheduler "
        "(tcp://host:8786); default: a local cluster of --workers processes",
    )
    b.add_argument("--duckdb", action="store_true", help="also write xxgk.duckdb with the same tables")
    b.add_argument(
        "--csv", action="store_true", help="also write csv/<dataset>.csv (UTF-8 with BOM) and their datapackage.json"
    )
    b.add_argument("--sqlite", action="store_true", help="also write xxgk.sqlite with the same tables, keys declared")
    b.add_argument("--timeout", type=float, default=120.0, help="seconds allowed per document (default 120)")
    b.add_argument(
        "--memory", type=int, default=3072, help="MiB a parser process may use beyond its start (default 3072)"
    )
    b.add_argument("--reparse", action="store_true", help="parse every document again (ignore the cache)")
    b.add_argument(
        "--years",
        default=None,
        help="years every register publisher is expected to report, "
        "for coverage (e.g. 2019-2024; default: from each county's first report year)",
    )
    b.set_defaults(func=_cmd_build)
    s = sub.add_parser("summary", help="print an overview of a built dataset folder")
    s.add_argument("dir", nargs="?", default="data/clean", help="folder written by xxgk build (default data/clean)")
    s.set_defaults(func=_cmd_summary)
    v = sub.add_parser("serve", help="browse a build (xxgk build --sqlite) in Datasette")
    v.add_argument(
        "dir", nargs="?", default="data/clean", help="folder written by xxgk build --sqlite (default data/clean)"
    )
    v.add_argument("--host", default="127.0.0.1")
    v.add_argument("--port", type=int, default=8001)
    v.set_defaults(func=_cmd_serve)
    d = sub.add_parser("demo", help="offline end to end on generated sample reports")
    d.add_argument("--out", default=None, help="work directory (default: a temporary one)")
    d.set_defaults(func=_cmd_demo)
    return ap


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv).parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:  # read-only or full disk, unreadable folders: one line, no traceback
        where = f"{readable(os.fsdecode(e.filename))}: " if e.filename else ""
        print(f"xxgk {args.command}: error: {where}{e.strerror or e}", file=sys.stderr)
        return 1
    except TemplateError as e:  # a template definition file ($XXGK_TEMPLATES) that cannot be used
        print(f"xxgk {args.command}: error: {e}", file=sys.stderr)
        return 1
    except sqlite3.Error as e:  # a crawl database on a full disk, damaged or locked by another process
        print(f"xxgk {args.command}: error: database: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
