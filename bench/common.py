"""Plumbing shared by the benchmarks in this folder (pages, completion, compliance, roster, reminders).

The scripts run as ``python bench/<name>.py`` from the repository root, so this folder is the first entry of
``sys.path`` and they import this module as ``from common import ...`` (the Celery worker of the reminders benchmark
gets this folder on PYTHONPATH). Nothing here imports Django: the scripts set it up themselves, in children or late.
"""

import http.client
import json
import os
import re
import resource
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"
BARE_PATH = "/healthz"

BENCH_PUBLIC_URL = "https://kynangso.example.vn"

# Over plain HTTP on 127.0.0.1 with the production settings (gunicorn behind no proxy).
PRODUCTION_OVER_HTTP = {
    "DJANGO_SETTINGS_MODULE": "lms.settings.production",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    # Production refuses a loopback public address (it is printed in links); no link leaves a bench.
    "WAGTAILADMIN_BASE_URL": BENCH_PUBLIC_URL,
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "0",
    "LOG_LEVEL": "WARNING",
}


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


class BenchError(Exception):
    """A step failed: the message says which and why."""


def run_main(main, failure_status=2):
    """Run ``main()`` as the script: SIGTERM cleans up like Ctrl+C, a failed step exits with ``failure_status``."""

    def terminate(signum, frame):
        raise SystemExit(128 + signum)  # runs the clean-up in main()'s ``finally``

    signal.signal(signal.SIGTERM, terminate)
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"[bench] FAILED: {error}", file=sys.stderr)
        sys.exit(failure_status)


def bench_env(tmp, database_url, **settings):
    """The environment of the project's processes: this one's, the database, no broker, files under ``tmp``."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": "filesystem://",
        "VAR_DIR": str(tmp / "var"),
        "MEDIA_ROOT": str(tmp / "media"),
        "STATIC_ROOT": str(tmp / "static"),
        **settings,
    }


def in_process_env(tmp, database_url):
    """For a benchmark that runs Django in this process: the production settings (DEBUG off, so no query log), a
    random SECRET_KEY, no Redis (CACHE_URL empty: the file cache under VAR_DIR), files under ``tmp``."""
    return bench_env(
        tmp,
        database_url,
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="localhost",
        WAGTAILADMIN_BASE_URL=BENCH_PUBLIC_URL,
        CACHE_URL="",
        LOG_LEVEL="WARNING",
    )


# --- Database and Redis ---------------------------------------------------------------------


def _throwaway(database_url):
    """The URL's parts and database name, which must contain "bench": the benchmarks drop their database."""
    parts = urlsplit(database_url)
    name = unquote(parts.path.lstrip("/"))
    if "bench" not in name:
        raise BenchError(
            f"Refusing to use database {name!r}: the benchmark drops and re-creates its database, "
            "so BENCH_DATABASE_URL must name a throwaway one (its name must contain 'bench')."
        )
    return parts, name


@contextmanager
def _maintenance(parts):
    """An autocommit connection to the server's ``postgres`` database; PostgreSQL's errors as BenchError."""
    import psycopg

    try:
        with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True, connect_timeout=10) as c:
            yield c
    except psycopg.Error as error:
        raise BenchError(f"PostgreSQL at {parts.hostname}:{parts.port or 5432}: {error}".strip()) from error


def _drop(connection, name):
    from psycopg import sql

    connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _create(connection, name):
    from psycopg import sql

    connection.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8'").format(sql.Identifier(name)))


def database_recreate(database_url, drop_only=False):
    """Drop the throwaway database named in ``database_url`` and (unless ``drop_only``) create it empty."""
    parts, name = _throwaway(database_url)
    with _maintenance(parts) as connection:
        _drop(connection, name)
        if not drop_only:
            _create(connection, name)
    return name


def database_drop(database_url):
    database_recreate(database_url, drop_only=True)
    log("database dropped")


def database_ensure(database_url, fresh=False):
    """Create the throwaway database unless it exists (``fresh``: drop it first). Returns its name."""
    parts, name = _throwaway(database_url)
    with _maintenance(parts) as connection:
        if fresh:
            _drop(connection, name)
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            _create(connection, name)
            log(f"database {name} created")
    return name


def postgres_version(database_url):
    import psycopg

    with psycopg.connect(database_url, connect_timeout=10) as connection:
        return connection.execute("SHOW server_version").fetchone()[0]


def redis_flush(url):
    """Empty the benchmark's Redis database, so every run starts from the same state."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).flushdb()
    except redis.RedisError as error:
        raise BenchError(f"Redis at {url}: {error}") from error


# --- Processes ------------------------------------------------------------------------------


def run_logged(command, env, logfile, label, timeout=1800):
    """Run ``command`` from the repository root, its output appended to ``logfile``; the seconds it took.

    On failure, the end of the log in the error.
    """
    log(label)
    started = time.monotonic()
    with open(logfile, "a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        result = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
    if result.returncode != 0:
        tail = "".join(Path(logfile).read_text(encoding="utf-8").splitlines(keepends=True)[-30:])
        raise BenchError(f"{label} failed (exit {result.returncode}):\n{tail}")
    return time.monotonic() - started


def manage(args, env, logfile, label=None, timeout=1800):
    """``manage.py args`` through run_logged()."""
    return run_logged([PYTHON, "manage.py", *args], env, logfile, label or f"manage.py {' '.join(args)}", timeout)


def log_tail(logfile, name, lines=20):
    """Show the end of a server's log (after a failure)."""
    if Path(logfile).is_file():
        tail = Path(logfile).read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        log(f"end of the {name} log:\n" + "\n".join(tail))


def log_problems(logfile):
    """The error and warning lines of a server's log."""
    pattern = re.compile(r"Traceback|ERROR|CRITICAL|WARNING|Exception")
    text = Path(logfile).read_text(encoding="utf-8", errors="replace") if Path(logfile).is_file() else ""
    return [line for line in text.splitlines() if pattern.search(line)]


def cpu_model():
    """The CPU's model name (/proc/cpuinfo), or ""."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(encoding="utf-8"), re.MULTILINE)
        if found:
            return found.group(1).strip()
    return ""


# --- gunicorn and HTTP ----------------------------------------------------------------------


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def http_request(port, method, path, headers=None):
    """One request to the server, redirects not followed: (status, headers, body as sent on the wire).

    Header names are lower-cased; a repeated header (Set-Cookie) has its values one per line.
    """
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        body = b"" if method == "POST" else None
        connection.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
        response = connection.getresponse()
        received = {}
        for key, value in response.getheaders():
            received[key.lower()] = f"{received[key.lower()]}\n{value}" if key.lower() in received else value
        return response.status, received, response.read()
    finally:
        connection.close()


def gunicorn_start(env, port, workers, logfile):
    command = [PYTHON, "-m", "gunicorn", "lms.wsgi", "--workers", str(workers), "--bind", f"{HOST}:{port}"]
    command += ["--graceful-timeout", "10", "--no-control-socket"]  # gunicorn 27 otherwise opens one under ~/.gunicorn
    log(f"starting gunicorn: {workers} sync workers on http://{HOST}:{port}")
    out = open(logfile, "a", encoding="utf-8")  # noqa: SIM115 - stays open for the server's lifetime
    # Own process group: stopping it reaches the master and its workers, nothing else.
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    process.logfile = out
    return process


def process_stop(process, name, timeout=20, whole_group=False):
    """Stop a server started in its own process group: SIGTERM to it (``whole_group``: to every process of the
    group), then SIGKILL to the group if it has not stopped within ``timeout`` seconds; close its log."""
    if process is None:
        return
    if process.poll() is None:
        log(f"stopping {name}")
        if whole_group:
            os.killpg(process.pid, signal.SIGTERM)
        else:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log(f"{name} did not stop within {timeout} s: killing its process group")
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    if getattr(process, "logfile", None):
        process.logfile.close()


def gunicorn_stop(process):
    process_stop(process, "gunicorn")  # the master stops its workers


def wait_until_up(process, port, timeout=60):
    """Wait until gunicorn answers the bare view with 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited (code {process.returncode}) before answering; see its log")
        try:
            if http_request(port, "GET", BARE_PATH)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer {BARE_PATH} within {timeout} s")


# --- wrk ------------------------------------------------------------------------------------


def wrk(url, script, threads, connections, seconds, script_args=()):
    """Run wrk once with a Lua ``script`` whose ``done`` hook prints ``BENCH_RESULT {json}``: those figures, plus
    ``output`` (what wrk printed before them) and ``socket_errors`` (connect, read, write and timeout errors)."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    command += ["-s", str(script), url]
    if script_args:
        command += ["--", *map(str, script_args)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if result.returncode != 0:
        raise BenchError(f"wrk failed on {url} (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    match = re.search(r"^BENCH_RESULT (\{.*\})$", result.stdout, re.MULTILINE)
    if not match:
        raise BenchError(f"could not read wrk's output for {url}:\n{result.stdout}{result.stderr}")
    figures = json.loads(match.group(1))
    figures["output"] = result.stdout[: match.start()].rstrip()
    figures["socket_errors"] = sum(figures[f"errors_{kind}"] for kind in ("connect", "read", "write", "timeout"))
    return figures


# --- CPU used by other work -----------------------------------------------------------------


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

    Ours: this process, the process group ``pgid`` (gunicorn's, or this one's) and PostgreSQL
    working for it (the postmaster, its background processes, and the client backends whose
    title, "postgres: 15/main: user database 127.0.0.1(port) idle", names our database).
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

    The benchmark is the process group ``pgid`` (gunicorn's), PostgreSQL for our database and
    this process's children (wrk, once it has exited). Other work on a 2-core machine takes CPU
    from the server and lowers the figures: the run is flagged above 10%. ``others`` names the
    busiest other processes.
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


def least_disturbed(label, pgid, database, args, run):
    """Warm up with ``run(args.warmup)``, then measure with ``run(args.duration)``; again (up to ``args.retries``
    times) while other work takes over 10% of the CPU. (figures of the least disturbed run, its other CPU %)."""
    best = None
    for attempt in range(1 + args.retries):
        before = quiet_wait(pgid, database, args.quiet_wait)
        log(f"{label}: other CPU use {before}%; warm-up {args.warmup}s, then {args.duration}s")
        run(args.warmup)
        with CpuWatch(pgid, database) as watch:
            figures = run(args.duration)
        other = watch.other_pct
        if best is None or (other or 0) < (best[1] or 0):
            best = (figures, other)
        if other is None or other <= 10:
            break
        again = "measuring again" if attempt < args.retries else "keeping the least disturbed run"
        busiest = f" ({', '.join(watch.others)})" if watch.others else ""
        log(f"warning: other work used {other}% of the CPU{busiest} while measuring {label}: {again}")
    return best


def timings_table(rows):
    """The Markdown table of in-process page timings (compliance.py, insights.py): header and one line per page."""
    lines = [
        "| Page | median ms | p95 ms | max ms | queries | slowest query ms | KB | target | other CPU before |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for row in rows:
        target = "" if row["target_ms"] is None else f"< {row['target_ms']:.0f} ms: {'met' if row['met'] else 'MISSED'}"
        p95 = "" if row["p95_ms"] is None else f"{row['p95_ms']:.1f}"
        lines.append(
            f"| {row['label']} | {row['median_ms']:.1f} | {p95} | {row['max_ms']:.1f} | {row['queries']} "
            f"| {row['slowest_query_ms']:.1f} | {row['bytes'] / 1024:.1f} | {target} | {row['other_cpu_pct']}% |"
        )
    return lines
