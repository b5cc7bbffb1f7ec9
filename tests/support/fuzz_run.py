"""The fuzzer's driver: one client per role, a clean crawl that learns what each page reads and
shows, then hostile query strings, path segments and form bodies (tests/lms/test_fuzz.py)."""

import dataclasses
import datetime
import time
from urllib.parse import urlsplit

from django.core.cache import caches
from django.db import transaction
from django.test import Client
from django.urls import resolve
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from .fuzz import (
    COMMON_KEYS,
    CORE,
    CSRF_SECRET,
    PATH_HOSTILE,
    Failure,
    Form,
    Route,
    exception_summary,
    form_data,
    hostile_text,
    keys_recorded,
    page_parse,
    query_string,
    route_of,
    writes_recorded,
)

# Seeded (derandomize), nothing stored (database=None), bounded per example and in examples.
FUZZ_SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=datetime.timedelta(seconds=20),
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck),
    report_multiple_bugs=False,
)
# Health probes that answer 503 by design when a dependency (broker, worker) is away.
PROBES = ("/readyz",)
PER_ROUTE = 1  # concrete URLs kept per route and role (Wagtail pages: every live page)
WAGTAIL_SERVE = "wagtail_serve"


@dataclasses.dataclass
class Visit:
    """What a clean GET of one URL as one role showed."""

    role: str
    url: str
    route: Route
    status: int
    keys: frozenset[str]
    forms: list[Form]
    kind: str  # the Wagtail page type, for the catch-all route


class Fuzzer:
    def __init__(self, routes: list[Route], roles: dict, seeds: dict[str, list[str]], page_types: dict[str, str]):
        self.routes = {r.route: r for r in routes}
        self.roles = roles
        self.seeds = seeds  # route -> concrete URLs from the database
        self.serve = next(r for r in routes if r.name == WAGTAIL_SERVE)
        self.pages = seeds.get(self.serve.route, [])
        self.page_per_type = page_types
        self.clients: dict[str, Client] = {}
        self.failures: list[Failure] = []
        self.visits: list[Visit] = []
        self.requests = 0
        self.seconds: dict[str, float] = {}
        # What was already fuzzed (by an earlier role): a later role fuzzes what it sees differently.
        self.done: set[tuple] = set()
        self.keys_fuzzed: dict[tuple[str, str], set[str]] = {}
        for role, user in roles.items():
            client = Client(enforce_csrf_checks=True)
            client.cookies["csrftoken"] = CSRF_SECRET
            if user is not None:
                client.force_login(user)
            self.clients[role] = client

    # One request, rolled back, checked --------------------------------------------------------

    def send(self, role: str, method: str, url: str, data=None):
        """Send one request as ``role`` in a savepoint rolled back afterwards (the world stays as
        seeded; on_commit work never runs); record a failure for a 5xx or a write on refusal."""
        client = self.clients[role]
        cookies = {name: morsel.value for name, morsel in client.cookies.items()}
        for cache in caches.all():
            cache.clear()  # rate limits and cached pages: each request is judged on its own
        self.requests += 1
        keys: set[str] = set()
        try:
            with keys_recorded() as keys, writes_recorded() as writes, transaction.atomic():
                try:
                    response = client.get(url, data or None) if method == "get" else client.post(url, data or {})
                finally:
                    transaction.set_rollback(True)
        except Exception as error:
            self.failures.append(Failure(role, method.upper(), url, data or {}, exception_summary(error)))
            return None, keys
        finally:
            client.cookies.clear()
            for name, value in cookies.items():
                client.cookies[name] = value
        status = response.status_code
        if status == 503 and urlsplit(url).path in PROBES:
            return response, keys  # a readiness probe says 503 when a service is down: its answer, not a fault
        if status >= 500:
            self.failures.append(Failure(role, method.upper(), url, data or {}, f"{status}"))
        refused = status >= 400 or (method == "post" and not 300 <= status < 400)
        if refused and writes:
            self.failures.append(
                Failure(role, method.upper(), url, data or {}, f"{status} refused but wrote: {writes[:3]}")
            )
        return response, keys

    # The clean crawl ---------------------------------------------------------------------------

    def crawl(self, role: str) -> list[Visit]:
        """GET every seeded URL and every link the pages show (up to PER_ROUTE per route)."""
        started = time.monotonic()
        queue: list[str] = [url for route, urls in self.seeds.items() for url in urls if route != self.serve.route]
        # Every live page for a visitor; one of each page type for a signed-in role (the rest is the same).
        queue += self.pages if self.roles[role] is None else list(self.page_per_type.values())
        kept: dict[str, int] = {}
        seen: set[str] = set()
        visits = []
        while queue:
            url = queue.pop(0)
            path = urlsplit(url).path
            if url in seen:
                continue
            seen.add(url)
            route = route_of(path, self.routes)
            if route is None:
                continue
            if route.name != WAGTAIL_SERVE or url not in self.pages:
                kept[route.route] = kept.get(route.route, 0) + 1
                if route.name == WAGTAIL_SERVE or kept[route.route] > PER_ROUTE:
                    continue
            response, keys = self.send(role, "get", url)
            if response is None:
                continue
            forms, links = [], []
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                forms, links = page_parse(response.content.decode("utf-8", "replace"), path)
            visit = Visit(role, url, route, response.status_code, frozenset(keys), forms, _page_type(response))
            visits.append(visit)
            for link in links:
                parts = urlsplit(link)
                if not parts.scheme and not parts.netloc and parts.path.startswith("/"):
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        self.visits += visits
        self.seconds[f"crawl {role}"] = time.monotonic() - started
        return visits

    # Hostile query strings ---------------------------------------------------------------------

    def query_fuzz(self, visit: Visit, keys: list[str], examples: int) -> None:
        """Hypothesis' mixes: any of ``keys`` present or not, each with a hostile value or any text."""
        base = urlsplit(visit.url).path

        @settings(FUZZ_SETTINGS, max_examples=examples)
        @given(st.fixed_dictionaries({}, optional={key: hostile_text() for key in keys}))
        def run(params):
            self.send(visit.role, "get", f"{base}?{query_string(params)}")

        run()

    def query_every_value(self, visit: Visit, keys: list[str], values: list[str]) -> None:
        """Each of ``values`` in every key at once (deterministic: the issue's list, every key)."""
        base = urlsplit(visit.url).path
        for value in values:
            self.send(visit.role, "get", f"{base}?{query_string(dict.fromkeys(keys, value))}")

    # Hostile path segments ---------------------------------------------------------------------

    def path_fuzz(self, role: str, route: Route, real: dict[str, str]) -> None:
        for kind, name in route.converters:
            for value in PATH_HOSTILE.get(kind, PATH_HOSTILE["str"]):
                self.send(role, "get", route.fill({**real, name: value}))

    # Hostile form bodies -------------------------------------------------------------------------

    def form_fuzz(self, role: str, form: Form, examples: int) -> None:
        """Each field hostile on its own (every field, a value of the issue's list in turn), then
        Hypothesis mixes: any field hostile or left as the page filled it."""
        names = sorted({f.name for f in form.fields if f.name != "csrfmiddlewaretoken"})
        action = form.action
        if form.method == "get":
            for i, name in enumerate(names):
                self.send(role, "get", action, {**_defaults(form), name: _nth(i)})
            return
        for i, name in enumerate(names):
            self.send(role, "post", action, form_data(form, {name: _nth(i)}))

        @settings(FUZZ_SETTINGS, max_examples=examples)
        @given(st.fixed_dictionaries({}, optional={name: hostile_text() for name in names}))
        def run(values):
            self.send(role, "post", action, form_data(form, values))

        if names:
            run()

    # One role, everything ----------------------------------------------------------------------

    def role_fuzz(self, role: str, *, query_examples: int, form_examples: int) -> list[Failure]:
        """Crawl as ``role``, then hostile query strings (every key the page read, the issue's list
        in each and Hypothesis' mixes), path segments (each converter) and form bodies (each field)."""
        self.failures = []
        visits = self.crawl(role)
        started = time.monotonic()
        for visit in visits:
            if visit.status != 200:
                continue
            # A page another role's visit fuzzed already: only the keys this role's visit adds.
            fuzzed = self.keys_fuzzed.setdefault((_view_of(visit.route), visit.kind), set())
            keys = sorted(set(visit.keys) - fuzzed) if fuzzed else sorted(visit.keys | set(COMMON_KEYS))
            if not keys:
                continue
            fuzzed.update(keys)
            self.query_every_value(visit, keys, CORE)
            self.query_fuzz(visit, keys, query_examples)
        self.seconds[f"query {role}"] = time.monotonic() - started
        started = time.monotonic()
        for visit in visits:
            target = ("path", _view_of(visit.route), visit.status == 200)
            if not visit.route.converters or target in self.done:
                continue
            self.done.add(target)
            match = resolve(urlsplit(visit.url).path)
            self.path_fuzz(role, visit.route, {k: str(v) for k, v in match.kwargs.items()})
        self.seconds[f"path {role}"] = time.monotonic() - started
        started = time.monotonic()
        for visit in visits:
            for form in visit.forms:
                target = ("form", role == "anonymous", *form.signature())
                route = route_of(urlsplit(form.action).path, self.routes)
                if target in self.done or route is None:
                    continue
                self.done.add(target)
                self.form_fuzz(role, form, form_examples)
        self.seconds[f"forms {role}"] = time.monotonic() - started
        return self.failures


def _page_type(response) -> str:
    """Wagtail's pages share one route: their page type tells them apart."""
    page = response.context.get("page") if response.context is not None else None
    return type(page).__name__ if page is not None else ""


def _defaults(form: Form) -> dict[str, str]:
    return {f.name: f.value for f in form.fields if f.kind not in ("file",)}


def _nth(i: int) -> str:
    """Rotating through the list gives neighbouring fields different values."""
    return CORE[(i * 5) % len(CORE)]


def _view_of(route: Route) -> str:
    """A function view by its route; a class-based view by its class and model: a viewset's list and
    its results fragment are one target, each viewset's history page another."""
    view = getattr(route.callback, "view_class", None)
    if view is None or route.name == WAGTAIL_SERVE:
        return route.route
    model = route.model
    return f"{view.__module__}.{view.__qualname__}:{model._meta.label if model else ''}"
