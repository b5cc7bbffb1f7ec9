"""A real Learning Record Store for the tests: Ralph (``ralph-malph``, in ``.venv-ralph``, built by
``make .venv-ralph`` from ``requirements-ralph.lock``) on its filesystem backend, on a free port, with
basic-auth credentials made for the run by ``ralph auth`` (tests/support/ralph_server.py says the one
thing changed in Ralph). ``RalphLRS.statements(...)`` reads what Ralph stored through its own API.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parents[2]
RALPH_VENV = BASE_DIR / ".venv-ralph"
HOME_PAGE = "https://lrs-client.kynangso.test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RalphLRS:
    """One Ralph server: ``start()``, ``stop()`` (its data stays: start again to find it), ``statements()``."""

    def __init__(self, directory: Path | None = None, port: int | None = None):
        if not (RALPH_VENV / "bin" / "ralph").exists():
            raise RuntimeError("Ralph is not installed: run `make .venv-ralph` (requirements-ralph.lock)")
        self.directory = Path(directory or tempfile.mkdtemp(prefix="ralph-"))
        self.port = port or free_port()
        self.username = "kynangso"
        self.password = secrets.token_urlsafe(16)
        self.process: subprocess.Popen | None = None
        self.log_path = BASE_DIR / "var" / f"ralph-{self.port}.log"
        self.env = {
            **os.environ,
            "RALPH_APP_DIR": str(self.directory / "app"),
            "RALPH_AUTH_FILE": str(self.directory / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
        }
        for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "PYTHONPATH"):
            self.env.pop(name, None)
        (self.directory / "app").mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(exist_ok=True)
        subprocess.run(
            [
                str(RALPH_VENV / "bin" / "ralph"),
                "auth",
                "--username",
                self.username,
                "--password",
                self.password,
                "--scope",
                "all",
                "--agent-ifi-account",
                self.username,
                HOME_PAGE,
                "--write-to-disk",
            ],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=120,
        )

    @property
    def endpoint(self) -> str:
        """The xAPI base (``XAPI_ENDPOINT``)."""
        return f"http://127.0.0.1:{self.port}/xAPI/"

    def start(self, timeout: float = 60) -> "RalphLRS":
        log = open(self.log_path, "a")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [
                str(RALPH_VENV / "bin" / "python"),
                str(BASE_DIR / "tests" / "support" / "ralph_server.py"),
                "--port",
                str(self.port),
                "--directory",
                str(self.directory / "data"),
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one
        )
        self.process.log = log
        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=1).ok:
                    return self
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Ralph did not start: {self.log_path.read_text()[-3000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        process.log.close()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def get(self, **params) -> requests.Response:
        for name in ("agent",):
            if isinstance(params.get(name), dict):
                params[name] = json.dumps(params[name])
        return requests.get(
            f"{self.endpoint}statements",
            params=params,
            auth=(self.username, self.password),
            headers={"X-Experience-API-Version": "1.0.3"},
            timeout=30,
        )

    def statements(self, **params) -> list[dict]:
        """Every statement Ralph returns for the xAPI filters ``params`` (``agent=``, ``statementId=``,
        ``registration=``...), following its ``more`` links; in the order Ralph stored them."""
        params.setdefault("limit", 100)
        found: list[dict] = []
        response = self.get(**params)
        while True:
            response.raise_for_status()
            body = response.json()
            if "statements" not in body:  # a single statement (statementId=)
                return [body]
            found.extend(body["statements"])
            more = body.get("more")
            if not more:
                break
            response = requests.get(
                f"http://127.0.0.1:{self.port}{more}",
                auth=(self.username, self.password),
                headers={"X-Experience-API-Version": "1.0.3"},
                timeout=30,
            )
        return sorted(found, key=lambda statement: statement["stored"])
