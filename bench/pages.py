"""Requests per second of public pages, side by side, served by gunicorn on PostgreSQL.

One command (``make bench``) does everything and cleans up after itself:

1. (re)creates a throwaway PostgreSQL database (``kynangso_bench``, or ``BENCH_DATABASE_URL``),
2. ``migrate`` and ``seed_demo`` with the dev settings (seed_demo refuses without DEBUG),
   ``collectstatic`` with the production settings into a temporary STATIC_ROOT,
3. starts gunicorn (5 sync workers, production settings over plain HTTP) on 127.0.0.1, checks
   that every URL answers 200, measures its HTML size (raw and gzip-compressed) and the
   tutorial page's first-load weight, then runs wrk (warm-up, then the measured run) on the bare
   view, the home, tutorial and search pages (served from the page cache, as deployed),
4. restarts gunicorn with the page cache off and measures the three pages again (uncached),
   then the bare view once more,
5. prints a Markdown table: req/s, % of the bare view (the figure that counts: machine speed
   varies), p50/p95/p99 latency, sizes, and the CPU share other work took during each run (a
   disturbed run is measured again),
6. stops gunicorn and drops the database, whatever happened (Ctrl+C and SIGTERM included).

Usage: ``python bench/pages.py [--json] [--duration 10] [--connections 8] [--no-uncached] [--keep-db]``.
Progress goes to stderr; the table (or the JSON with ``--json``) to stdout.
"""

import argparse
import fcntl
import gzip
import json
import os
import platform
import secrets
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from common import (
    BARE_PATH,
    HOST,
    PRODUCTION_OVER_HTTP,
    ROOT,
    BenchError,
    bench_env,
    cpu_model,
    database_drop,
    database_recreate,
    free_port,
    gunicorn_start,
    gunicorn_stop,
    http_request,
    least_disturbed,
    log,
    log_problems,
    log_tail,
    manage,
    postgres_version,
    redis_flush,
    run_main,
    wait_until_up,
    wrk,
)

LUA_REPORT = Path(__file__).resolve().parent / "wrk_report.lua"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kynangso_bench"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/13"
TUTORIAL_PATH = "/huong-dan/dang-ky-tai-khoan-cong-dich-vu-cong-quoc-gia/"
PAGES = [
    ("Bare view", BARE_PATH),
    ("Home page", "/"),
    ("Tutorial page", TUTORIAL_PATH),
    ("Search page", "/search/?q=dich+vu+cong"),
]


# --- HTTP -----------------------------------------------------------------------------------


def fetch(port, path, encoding="identity"):
    """GET ``path`` without following redirects: (status, headers, body as sent on the wire)."""
    return http_request(port, "GET", path, {"Accept-Encoding": encoding})


def gzip_size(data):
    return len(gzip.compress(data, compresslevel=6, mtime=0))


class _Assets(HTMLParser):
    """Stylesheets, scripts and images a page loads."""

    def __init__(self):
        super().__init__()
        self.stylesheets, self.scripts, self.images = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split() and attrs.get("href"):
            self.stylesheets.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])
        elif tag == "img" and attrs.get("src"):
            candidates = [item.split()[0] for item in (attrs.get("srcset") or "").split(",") if item.strip()]
            self.images.append((attrs["src"], attrs.get("loading") == "lazy", candidates))


def _resource(kind, url, raw, transfer, largest=None, lazy=False):
    largest = transfer if largest is None else largest
    return {"kind": kind, "url": url, "raw": raw, "transfer": transfer, "largest": largest, "lazy": lazy}


def page_weight(port, path, media_root):
    """Bytes transferred by a first load of ``path``: HTML, its CSS/JS and ``<img>`` images.

    HTML is counted gzip-compressed (level 6, what a proxy would send; the app itself does not
    compress), CSS/JS as whitenoise serves them to a browser accepting gzip, images as they are
    (WebP; gzip does not shrink them): ``src``, the smallest rendition, and for ``largest`` the
    biggest ``srcset`` candidate (what a wide or high-density screen picks). Media is not served
    by gunicorn in production (the proxy serves MEDIA_ROOT), so images are read from MEDIA_ROOT.
    """

    def image_size(url):
        local = urlsplit(url).path
        if local.startswith("/media/"):
            return (Path(media_root) / unquote(local.removeprefix("/media/"))).stat().st_size
        status, _h, data = fetch(port, local)
        if status != 200:
            raise BenchError(f"{url} answered {status} while measuring page weight")
        return len(data)

    status, _headers, html = fetch(port, path)
    if status != 200:
        raise BenchError(f"{path} answered {status} while measuring page weight")
    assets = _Assets()
    assets.feed(html.decode("utf-8", errors="replace"))
    items = [_resource("html", path, len(html), gzip_size(html))]
    for kind, urls in (("css", assets.stylesheets), ("js", assets.scripts)):
        for url in urls:
            local = urlsplit(url)
            if local.netloc:
                items.append(_resource(kind, url, None, None))  # another host: not counted
                continue
            status, _h, raw = fetch(port, local.path)
            status_gz, headers_gz, wire = fetch(port, local.path, encoding="gzip")
            if status != 200 or status_gz != 200:
                raise BenchError(f"{url} answered {status}/{status_gz} while measuring page weight")
            transfer = len(wire) if headers_gz.get("content-encoding") == "gzip" else gzip_size(raw)
            items.append(_resource(kind, url, len(raw), transfer))
    for url, lazy, candidates in assets.images:
        size = image_size(url)
        largest = max([size, *(image_size(candidate) for candidate in candidates)])
        items.append(_resource("img", url, size, size, largest=largest, lazy=lazy))
    known = [item for item in items if item["transfer"] is not None]
    return {
        "path": path,
        "items": items,
        "total_transfer": sum(item["transfer"] for item in known),
        "total_raw": sum(item["raw"] for item in known),
        "largest_transfer": sum(item["largest"] for item in known),
        "eager_transfer": sum(item["transfer"] for item in known if not item["lazy"]),
        "js_transfer": sum(item["transfer"] for item in known if item["kind"] == "js"),
        "images": len(assets.images),
        "lazy_images": sum(1 for _url, lazy, _candidates in assets.images if lazy),
        "external": [item["url"] for item in items if item["transfer"] is None],
    }


# --- wrk ------------------------------------------------------------------------------------


def measure(port, pgid, database, label, path, args):
    """Warm up, then measure ``path``; again (up to ``args.retries`` times) while other work disturbs the run.

    wrk prints the figures with its Lua ``done`` hook (see wrk_report.lua).
    """
    url = f"http://{HOST}:{port}{path}"
    figures, other = least_disturbed(
        f"{label} {path}", pgid, database, args, lambda s: wrk(url, LUA_REPORT, args.threads, args.connections, s)
    )
    if figures["errors_status"]:
        raise BenchError(f"{path}: {figures['errors_status']} responses were not 2xx/3xx during the run")
    socket_errors = figures["socket_errors"]
    if socket_errors:
        log(f"warning: {socket_errors} socket errors on {path}")
    seconds = figures["duration_us"] / 1e6
    return {
        "requests": figures["requests"],
        "seconds": round(seconds, 2),
        "rps": figures["requests"] / seconds if seconds else 0.0,
        "p50_ms": figures["p50_us"] / 1000,
        "p95_ms": figures["p95_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "max_ms": figures["max_us"] / 1000,
        "socket_errors": socket_errors,
        "other_cpu_pct": other,
        "wrk_output": figures["output"],
    }


# --- Report ---------------------------------------------------------------------------------


def machine_info(database_url):
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True, timeout=10)
    import django
    import gunicorn

    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "postgresql": postgres_version(database_url),
        "wrk": (wrk_version.stdout + wrk_version.stderr).splitlines()[0].strip(),
        "commit": git_commit(),
    }


def git_commit():
    """The checked-out commit (read-only: ``git rev-parse``), or "" outside a Git checkout."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
    except OSError:
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def markdown(report):
    settings = report["settings"]
    lines = [
        f"gunicorn {settings['workers']} sync workers, wrk -t{settings['threads']} -c{settings['connections']} "
        f"-d{settings['duration']}s after {settings['warmup']}s warm-up, {report['machine']['cpus']} CPUs "
        f"({report['machine']['cpu_model'] or 'unknown CPU'}), PostgreSQL {report['machine']['postgresql']}, "
        f"commit {report['machine']['commit'] or 'unknown'} (plus any uncommitted changes)",
        "",
        "| Page | URL | Page cache | req/s | % of bare view | p50 ms | p95 ms | p99 ms | HTML bytes | gzip bytes |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for page in report["pages"]:
        lines.append(
            f"| {page['label']} | `{page['path']}` | {page['page_cache'] or '-'} "
            f"| {page['rps']:.0f} | {page['pct_of_bare']:.1f}% "
            f"| {page['p50_ms']:.1f} | {page['p95_ms']:.1f} | {page['p99_ms']:.1f} "
            f"| {page['bytes']:,} | {page['gzip_bytes']:,} |"
        )
    lines += [
        "",
        f"% of bare view: of the mean of the two bare-view runs, before and after the pages "
        f"({report['bare_rps']:.0f} req/s). Page cache: the X-Page-Cache header of a repeated request "
        f"(hit: served from the cache; off: PAGE_CACHE_SECONDS=0; -: not cached).",
    ]
    other = [page["other_cpu_pct"] for page in report["pages"] if page["other_cpu_pct"] is not None]
    if other:
        flag = " (above 10%: that run's figures are low, run again on a quieter machine)" if max(other) > 10 else ""
        lines += ["", f"CPU used by other work during each run: {', '.join(f'{o:.0f}%' for o in other)}{flag}"]
    cookies = {page["path"]: page["set_cookie"] for page in report["pages"] if page["set_cookie"]}
    if cookies:
        sent = "; ".join(f"`{path}` sets {', '.join(names)}" for path, names in cookies.items())
        lines += ["", f"Cookies set for an anonymous visitor (a shared cache cannot store these pages as is): {sent}"]
    weight = report["page_weight"]
    lines += [
        "",
        f"First load of `{weight['path']}` (HTML gzip, CSS/JS as whitenoise serves them gzip, images as is): "
        f"{weight['total_transfer']:,} bytes ({weight['total_transfer'] / 1024:.1f} KB; "
        f"{weight['largest_transfer'] / 1024:.1f} KB with the largest srcset images; "
        f"{weight['eager_transfer'] / 1024:.1f} KB without the {weight['lazy_images']} lazy-loaded of "
        f"{weight['images']} images; JS {weight['js_transfer']:,} bytes)",
        "",
        "| Resource | Kind | Bytes | Transferred | Largest srcset |",
        "|---|---|---:|---:|---:|",
    ]
    for item in weight["items"]:
        lazy = " (lazy)" if item["lazy"] else ""
        raw = f"{item['raw']:,}" if item["raw"] is not None else "external"
        transfer = f"{item['transfer']:,}" if item["transfer"] is not None else "external"
        largest = f"{item['largest']:,}" if item["largest"] is not None else "external"
        lines.append(f"| `{item['url']}`{lazy} | {item['kind']} | {raw} | {transfer} | {largest} |")
    if report["log_problems"]:
        lines += ["", f"gunicorn log: {len(report['log_problems'])} error/warning lines, first ones:"]
        lines += [f"    {line}" for line in report["log_problems"][:10]]
    return "\n".join(lines)


# --- Main -----------------------------------------------------------------------------------


def arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of Markdown")
    parser.add_argument("--duration", type=int, default=10, help="seconds measured per URL (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per URL (default 2)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn sync workers (default 5)")
    parser.add_argument("--port", type=int, default=0, help="port for gunicorn (default: a free one)")
    parser.add_argument(
        "--quiet-wait", type=int, default=30, help="seconds to wait for other work to calm down before each URL"
    )
    parser.add_argument(
        "--retries", type=int, default=2, help="measure a URL again if other work took over 10%% of the CPU"
    )
    parser.add_argument("--no-uncached", action="store_true", help="skip the pages measured with the page cache off")
    parser.add_argument("--keep-db", action="store_true", help="leave the benchmark database in place")
    parser.add_argument("--keep-tmp", action="store_true", help="leave the temporary directory (logs, static)")
    return parser.parse_args(argv)


def page_check(port, label, path):
    """Fetch ``path`` twice (the second time from the page cache, if it caches): its row of the report."""
    status, headers, body = fetch(port, path)
    if status != 200:
        raise BenchError(f"{label} {path} answered {status}, not 200: nothing measured.\n{body[:500]!r}")
    _status, again, _body = fetch(port, path)
    return {
        "label": label,
        "path": path,
        "status": status,
        "bytes": len(body),
        "gzip_bytes": gzip_size(body),
        "set_cookie": [c.split("=", 1)[0] for c in headers.get("set-cookie", "").splitlines()],
        "cache_control": headers.get("cache-control", ""),
        "page_cache": again.get("x-page-cache", ""),
    }


def phase(name, env, steps, args, database, server_log, weigh=None):
    """Start gunicorn with ``env``, check that every URL of ``steps`` answers 200, measure them, stop it."""
    port = args.port or free_port()
    log(f"--- {name}")
    server = gunicorn_start(env, port, args.workers, server_log)
    try:
        wait_until_up(server, port)
        rows = [page_check(port, label, path) for label, path in steps]
        log("every URL answers 200")
        weight = page_weight(port, weigh, env["MEDIA_ROOT"]) if weigh else None
        for row in rows:
            row["phase"] = name
            if env.get("PAGE_CACHE_SECONDS") == "0" and not row["page_cache"]:
                row["page_cache"] = "off"
            row.update(measure(port, server.pid, database, row["label"], row["path"], args))
        return rows, weight
    finally:
        gunicorn_stop(server)


def run_lock():
    """One run at a time on a machine: two would share the database and disturb each other's figures."""
    lock = open(Path(tempfile.gettempdir()) / "kynangso-bench.lock", "a")  # noqa: SIM115 - held until exit
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log("another benchmark run is in progress: waiting for it to finish")
        fcntl.flock(lock, fcntl.LOCK_EX)
    return lock


def main(argv=None):
    args = arguments(argv)
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed (apt-get install -y wrk; `make bench` does it for you)")
    _lock = run_lock()
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    cache_url = os.environ.get("BENCH_CACHE_URL") or DEFAULT_CACHE_URL
    tmp = Path(tempfile.mkdtemp(prefix="kynangso-bench-"))
    server_log = tmp / "gunicorn.log"
    setup_log = tmp / "setup.log"
    # Everything the run writes (static files, renditions, var/) stays in the temporary directory.
    shared_env = bench_env(
        tmp,
        database_url,
        DATABASE_CONN_MAX_AGE=os.environ.get("BENCH_DATABASE_CONN_MAX_AGE", "60"),
        CACHE_URL=cache_url,
        PYTHONUNBUFFERED="1",
    )
    shared_env.pop("PAGE_CACHE_SECONDS", None)
    dev_env = {**shared_env, "DJANGO_SETTINGS_MODULE": "lms.settings.dev"}
    production_env = {**shared_env, **PRODUCTION_OVER_HTTP, "SECRET_KEY": secrets.token_urlsafe(50)}
    bare, *content = PAGES
    database_created = False
    try:
        log(f"temporary directory {tmp}")
        name = database_recreate(database_url)
        database_created = True
        log(f"database {name} created")
        for command, env in (
            (["migrate", "--noinput"], dev_env),
            (["seed_demo"], dev_env),
            (["collectstatic", "--noinput"], production_env),
        ):
            manage(command, env, setup_log, f"manage.py {' '.join(command)} ({env['DJANGO_SETTINGS_MODULE']})")
        redis_flush(cache_url)
        # As deployed: anonymous pages come from the page cache (after the first request).
        pages, weight = phase(
            "page cache on (as deployed)", production_env, PAGES, args, name, server_log, weigh=TUTORIAL_PATH
        )
        if not args.no_uncached:
            # Every request rendered: what a cache miss costs, and what signed-in visitors get.
            steps = [(f"{label}, uncached", path) for label, path in content]
            rows, _weight = phase(
                "page cache off (PAGE_CACHE_SECONDS=0)",
                {**production_env, "PAGE_CACHE_SECONDS": "0"},
                steps,
                args,
                name,
                server_log,
            )
            pages += rows
            # The same search with no result remembered by the process (core.published.search_memo): what
            # a query nobody asked since the last publish costs, the database's full-text query included.
            search = [(f"{label}, uncached, results not remembered", path) for label, path in content if "q=" in path]
            rows, _weight = phase(
                "page cache off, search memo off (SEARCH_MEMO_MAX_ENTRIES=0)",
                {**production_env, "PAGE_CACHE_SECONDS": "0", "SEARCH_MEMO_MAX_ENTRIES": "0"},
                search,
                args,
                name,
                server_log,
            )
            pages += rows
        # The bare view again at the end: the reference is the mean of both runs, and a large
        # difference between them shows the machine's speed changed while measuring.
        rows, _weight = phase(
            "bare view again", production_env, [(f"{bare[0]} (again)", bare[1])], args, name, server_log
        )
        pages += rows
        reference = (pages[0]["rps"] + pages[-1]["rps"]) / 2
        for page in pages:
            page["pct_of_bare"] = 100 * page["rps"] / reference if reference else 0.0
        report = {
            "machine": machine_info(database_url),
            "settings": {
                "workers": args.workers,
                "threads": args.threads,
                "connections": args.connections,
                "duration": args.duration,
                "warmup": args.warmup,
                "database_conn_max_age": int(shared_env["DATABASE_CONN_MAX_AGE"]),
            },
            "pages": pages,
            "bare_rps": reference,
            "page_weight": weight,
        }
    except BaseException:
        # Keep the logs of a failed run, and show the end of the server's.
        args.keep_tmp = True
        log_tail(server_log, "gunicorn")
        raise
    finally:
        if database_created and not args.keep_db:
            database_drop(database_url)
        if args.keep_tmp:
            log(f"logs and files kept in {tmp}")
    report["log_problems"] = log_problems(server_log)
    if not args.keep_tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        for page in report["pages"]:
            page.pop("wrk_output", None)
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(markdown(report))
    return 0


if __name__ == "__main__":
    run_main(main, failure_status=1)
