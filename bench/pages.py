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
import http.client
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LUA_REPORT = Path(__file__).resolve().parent / "wrk_report.lua"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kynangso_bench"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/13"
HOST = "127.0.0.1"
TUTORIAL_PATH = "/huong-dan/dang-ky-tai-khoan-cong-dich-vu-cong-quoc-gia/"
PAGES = [
    ("Bare view", "/healthz"),
    ("Home page", "/"),
    ("Tutorial page", TUTORIAL_PATH),
    ("Search page", "/search/?q=dich+vu+cong"),
]
BARE_PATH = PAGES[0][1]


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


class BenchError(Exception):
    """A step failed: the message says which and why."""


# --- Database -------------------------------------------------------------------------------


def database_recreate(database_url, drop_only=False):
    """Drop the throwaway database named in ``database_url`` and (unless ``drop_only``) create it empty."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url)
    name = unquote(parts.path.lstrip("/"))
    if "bench" not in name:
        raise BenchError(
            f"Refusing to drop database {name!r}: the benchmark drops and re-creates its database, "
            "so BENCH_DATABASE_URL must name a throwaway one (its name must contain 'bench')."
        )
    maintenance_url = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(maintenance_url, autocommit=True, connect_timeout=10) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            if not drop_only:
                connection.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8'").format(sql.Identifier(name)))
    except psycopg.Error as error:
        raise BenchError(f"PostgreSQL at {parts.hostname}:{parts.port or 5432}: {error}".strip()) from error
    return name


def postgres_version(database_url):
    import psycopg

    with psycopg.connect(database_url, connect_timeout=10) as connection:
        return connection.execute("SHOW server_version").fetchone()[0]


def cache_flush(cache_url):
    """Empty the benchmark's Redis database, so every run starts from the same cold cache."""
    import redis

    try:
        redis.Redis.from_url(cache_url, socket_connect_timeout=5).flushdb()
    except redis.RedisError as error:
        raise BenchError(f"Redis at {cache_url}: {error}") from error


# --- Processes ------------------------------------------------------------------------------


def manage(args, env, logfile, timeout=900):
    """Run ``manage.py args``; on failure show the end of its output and stop."""
    log(f"manage.py {' '.join(args)} ({env['DJANGO_SETTINGS_MODULE']})")
    with open(logfile, "a", encoding="utf-8") as out:
        out.write(f"\n$ manage.py {' '.join(args)}\n")
        out.flush()
        result = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout
        )
    if result.returncode != 0:
        tail = "".join(Path(logfile).read_text(encoding="utf-8").splitlines(keepends=True)[-30:])
        raise BenchError(f"manage.py {' '.join(args)} failed (exit {result.returncode}):\n{tail}")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def gunicorn_start(env, port, workers, logfile):
    command = [
        PYTHON,
        "-m",
        "gunicorn",
        "lms.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"{HOST}:{port}",
        "--graceful-timeout",
        "10",
        "--no-control-socket",  # gunicorn 27 otherwise opens one under ~/.gunicorn
    ]
    log(f"starting gunicorn: {workers} sync workers on http://{HOST}:{port}")
    out = open(logfile, "a", encoding="utf-8")  # noqa: SIM115 - stays open for the server's lifetime
    # Own process group: stopping it reaches the master and its workers, nothing else.
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    process.logfile = out
    return process


def gunicorn_stop(process):
    if process is None:
        return
    if process.poll() is None:
        log("stopping gunicorn")
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            log("gunicorn did not stop within 20 s: killing its process group")
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    process.logfile.close()


def wait_until_up(process, port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited (code {process.returncode}) before answering; see its log")
        try:
            status, _headers, _body = fetch(port, BARE_PATH)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer {BARE_PATH} within {timeout} s")


# --- HTTP -----------------------------------------------------------------------------------


def fetch(port, path, encoding="identity"):
    """GET ``path`` without following redirects: (status, headers, body as sent on the wire)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": HOST, "Accept-Encoding": encoding})
        response = connection.getresponse()
        headers = {}
        for key, value in response.getheaders():  # repeated headers (Set-Cookie) one per line
            headers[key.lower()] = f"{headers[key.lower()]}\n{value}" if key.lower() in headers else value
        return response.status, headers, response.read()
    finally:
        connection.close()


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


def wrk(port, path, threads, connections, seconds):
    """Run wrk once; the figures its Lua ``done`` hook prints (see wrk_report.lua)."""
    url = f"http://{HOST}:{port}{path}"
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA_REPORT),
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if result.returncode != 0:
        raise BenchError(f"wrk failed on {url} (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    match = re.search(r"^BENCH_RESULT (\{.*\})$", result.stdout, re.MULTILINE)
    if not match:
        raise BenchError(f"could not read wrk's output for {url}:\n{result.stdout}{result.stderr}")
    figures = json.loads(match.group(1))
    figures["output"] = result.stdout[: match.start()].rstrip()
    return figures


def _machine_jiffies():
    """(total, busy) CPU time of the whole machine since boot, in clock ticks (/proc/stat).

    Busy is user + nice + system time: processes. Interrupt time (loopback networking is mostly
    softirq, heavy at thousands of requests a second) belongs to no process and is left out.
    """
    fields = [int(value) for value in Path("/proc/stat").read_text(encoding="utf-8").split("\n", 1)[0].split()[1:9]]
    # user nice system idle iowait irq softirq steal
    return sum(fields), fields[0] + fields[1] + fields[2]


_CLIENT_BACKEND = re.compile(r"\s(?:\S+\(\d+\)|\[local\])(?:\s|$)")


def _processes(pgid, database):
    """{pid: (command line, CPU clock ticks used so far, ours)} of every process.

    Ours: this process, gunicorn's process group and PostgreSQL working for it (the postmaster,
    its background processes, and the client backends whose title, "postgres: 15/main: user
    database 127.0.0.1(port) idle", names our database).
    """
    processes = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text(encoding="utf-8", errors="replace")
            title = stat.with_name("cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # exited meanwhile
        name_end = text.rfind(")")
        name, fields = text[text.find("(") + 1 : name_end], text[name_end + 2 :].split()
        # fields[2] is the process group, fields[11] and fields[12] utime and stime (proc(5)).
        pid = int(stat.parent.name)
        ours = int(fields[2]) == pgid or pid == os.getpid()
        if name == "postgres":
            ours = not _CLIENT_BACKEND.search(f" {title} ") or f" {database} " in f" {title} "
        label = " ".join(title.split()[:3])[:60] or name
        processes[pid] = (label, int(fields[11]) + int(fields[12]), ours)
    return processes


class CpuWatch:
    """Share (%) of the machine's CPU used during a run by anything but the benchmark itself.

    The benchmark is gunicorn (its process group), PostgreSQL for our database and wrk (a child
    of this process). Other work on a 2-core machine takes CPU from gunicorn and lowers the
    figures: the run is flagged above 10%. ``others`` names the busiest other processes.
    """

    def __init__(self, pgid, database):
        self.pgid, self.database = pgid, database
        self.other_pct, self.others = None, []

    def _sample(self):
        return (*_machine_jiffies(), _processes(self.pgid, self.database), self._children())

    def __enter__(self):
        if Path("/proc/stat").is_file():
            self.start = self._sample()
        return self

    def __exit__(self, *exc):
        if not Path("/proc/stat").is_file():
            return False
        total, busy, processes, children = self._sample()
        elapsed = total - self.start[0]
        if not elapsed:
            return False
        before = self.start[2]
        own = sum(used - before.get(pid, (name, 0, ours))[1] for pid, (name, used, ours) in processes.items() if ours)
        other = (busy - self.start[1]) - own - (children - self.start[3])
        self.other_pct = round(max(0.0, 100 * other / elapsed), 1)
        deltas = [
            (used - before.get(pid, (name, 0, ours))[1], f"{name} [{pid}]")
            for pid, (name, used, ours) in processes.items()
            if not ours
        ]
        busiest = sorted(deltas, reverse=True)[:3]
        self.others = [f"{label} {100 * ticks / elapsed:.0f}%" for ticks, label in busiest if 100 * ticks >= elapsed]
        return False

    @staticmethod
    def _children():
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (usage.ru_utime + usage.ru_stime) * os.sysconf("SC_CLK_TCK")


def quiet_wait(pgid, database, max_seconds):
    """Wait (up to ``max_seconds``) for a second in which other work uses under 10% of the CPU."""
    deadline = time.monotonic() + max_seconds
    while True:
        with CpuWatch(pgid, database) as watch:
            time.sleep(1)
        if watch.other_pct is None or watch.other_pct < 10 or time.monotonic() >= deadline:
            return watch.other_pct


def measure(port, pgid, database, label, path, args):
    """Warm up, then measure ``path``; again (up to ``args.retries`` times) while other work disturbs the run."""
    best = None
    for attempt in range(1 + args.retries):
        before = quiet_wait(pgid, database, args.quiet_wait)
        log(f"{label} {path}: other CPU use {before}%; warm-up {args.warmup}s, then {args.duration}s")
        wrk(port, path, args.threads, args.connections, args.warmup)
        with CpuWatch(pgid, database) as watch:
            figures = wrk(port, path, args.threads, args.connections, args.duration)
        other = watch.other_pct
        if best is None or (other or 0) < (best[1] or 0):
            best = (figures, other)
        if other is None or other <= 10:
            break
        again = "measuring again" if attempt < args.retries else "keeping the least disturbed run"
        busiest = f" ({', '.join(watch.others)})" if watch.others else ""
        log(f"warning: other work used {other}% of the CPU{busiest} while measuring {path}: {again}")
    figures, other = best
    if figures["errors_status"]:
        raise BenchError(f"{path}: {figures['errors_status']} responses were not 2xx/3xx during the run")
    socket_errors = sum(figures[f"errors_{kind}"] for kind in ("connect", "read", "write", "timeout"))
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
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(encoding="utf-8"), re.MULTILINE)
        model = found.group(1).strip() if found else ""
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True, timeout=10)
    import django
    import gunicorn

    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
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


def log_problems(logfile):
    pattern = re.compile(r"Traceback|ERROR|CRITICAL|WARNING|Exception|\[(?:ERROR|CRITICAL|WARNING)\]")
    text = Path(logfile).read_text(encoding="utf-8", errors="replace") if Path(logfile).is_file() else ""
    return [line for line in text.splitlines() if pattern.search(line)]


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
    common = {
        **{key: value for key, value in os.environ.items() if key != "PAGE_CACHE_SECONDS"},
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": os.environ.get("BENCH_DATABASE_CONN_MAX_AGE", "60"),
        "CACHE_URL": cache_url,
        "CELERY_BROKER_URL": "filesystem://",
        "VAR_DIR": str(tmp / "var"),
        "MEDIA_ROOT": str(tmp / "media"),
        "STATIC_ROOT": str(tmp / "static"),
        "PYTHONUNBUFFERED": "1",
    }
    dev_env = {**common, "DJANGO_SETTINGS_MODULE": "lms.settings.dev"}
    production_env = {
        **common,
        "DJANGO_SETTINGS_MODULE": "lms.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
    }
    bare, *content = PAGES
    database_created = False
    try:
        log(f"temporary directory {tmp}")
        name = database_recreate(database_url)
        database_created = True
        log(f"database {name} created")
        manage(["migrate", "--noinput"], dev_env, setup_log)
        manage(["seed_demo"], dev_env, setup_log)
        manage(["collectstatic", "--noinput"], production_env, setup_log)
        cache_flush(cache_url)
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
                "database_conn_max_age": int(common["DATABASE_CONN_MAX_AGE"]),
            },
            "pages": pages,
            "bare_rps": reference,
            "page_weight": weight,
        }
    except BaseException:
        # Keep the logs of a failed run, and show the end of the server's.
        args.keep_tmp = True
        if server_log.is_file():
            tail = server_log.read_text(encoding="utf-8", errors="replace").splitlines()[-20:]
            log("end of the gunicorn log:\n" + "\n".join(tail))
        raise
    finally:
        if database_created and not args.keep_db:
            database_recreate(database_url, drop_only=True)
            log("database dropped")
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


def _terminate(signum, frame):
    raise SystemExit(128 + signum)  # runs the clean-up in main()'s ``finally``


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"[bench] FAILED: {error}", file=sys.stderr)
        sys.exit(1)
