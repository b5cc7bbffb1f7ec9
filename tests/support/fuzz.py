"""The fuzzer's machinery: hostile values, every URL pattern from the resolver, the GET keys a view
reads, the forms a page shows, and the writes a request makes.

``tests/lms/test_fuzz.py`` drives it (docs/testing.md). Nothing here names a view: routes come
from ``get_resolver()``, path values from the database and the links the pages themselves show,
GET keys from instrumenting ``QueryDict`` during a clean request, form fields from the HTML.
"""

import contextlib
import dataclasses
import re
import traceback
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404, QueryDict
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis keeps a Unicode cache even without an example database: under var/, not in the repository.
set_hypothesis_home_dir(str(settings.VAR_DIR / "hypothesis"))

OUR_PACKAGES = ("core", "accounts", "courses", "outreach", "home", "insights", "lms")
LONG = "x" * 10_000
# The list, and a few more that break parsers (dates, floats, JSON-ish, CR/LF).
HOSTILE = [
    '"',
    "'",
    'a"b',
    "\x00",
    "a\x00b",
    "%00",
    "99999999999999999999",
    "-1",
    "-99999999999999999999",
    "0",
    "²",
    "①",
    "٣",
    "1e309",
    "NaN",
    "1.5",
    LONG,
    "đ" * 10_000,
    "\u202eabc",
    "👍🏽🇻🇳",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%",
    "\\",
    "../../etc/passwd",
    "   ",
    "",
    "\r\n",
    "2026-02-30",
    "0001-01-01",
    "9999-12-31",
    "[]",
    "{}",
    "true",
]
# One of each kind the issue names, sent in every key of every page and every field of every form
# (Hypothesis draws the rest of HOSTILE, and any text, in its mixes).
CORE = [
    '"',
    "a\x00b",
    "99999999999999999999",
    "-99999999999999999999",
    "²",
    "1e309",
    LONG,
    "\u202eabc👍🏽",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "0001-01-01",
    "   ",
]
# What a path segment can hold: for int, numbers the converter matches but no column can hold.
_SEGMENTS = ['"', "a\x00b", "99999999999999999999", "²", "x" * 1000, "\u202e👍🏽", "<script>", "' OR 1=1 --", "%", ".."]
PATH_HOSTILE = {
    "int": ["0", "99999999999999999999", "9223372036854775808"],
    "slug": ["a" * 300, "-"],
    "str": [quote(v, safe="") for v in _SEGMENTS],
    "path": [quote(v, safe="") for v in _SEGMENTS],
    "uuid": ["00000000-0000-0000-0000-000000000000"],
}
COMMON_KEYS = ["q", "page", "p", "service", "unit", "course", "sort", "ordering", "period", "format", "next"]
CSRF_SECRET = "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz"  # 32 characters: a valid unmasked CSRF secret


def hostile_text() -> st.SearchStrategy[str]:
    """The issue's hostile values, or any text (Hypothesis never draws surrogates)."""
    return st.one_of(st.sampled_from(HOSTILE), st.text(max_size=60))


# Routes ------------------------------------------------------------------------------------


@dataclasses.dataclass
class Route:
    """One URL pattern: its route with converters (``learn/courses/<int:course_id>/enrol/``)."""

    route: str
    name: str
    namespace: str
    callback: object
    regex: bool  # a regex pattern (Wagtail's documents and catch-all) rather than a route

    @property
    def module(self) -> str:
        view = getattr(self.callback, "view_class", None) or self.callback
        return getattr(view, "__module__", "") or ""

    @property
    def ours(self) -> bool:
        return self.module.split(".")[0] in OUR_PACKAGES

    @property
    def converters(self) -> list[tuple[str, str]]:
        """[(converter, kwarg)] of the route."""
        return [(kind or "str", name) for kind, name in re.findall(r"<(?:(\w+):)?(\w+)>", self.route)]

    @property
    def model(self):
        view = getattr(self.callback, "view_class", None)
        initkwargs = getattr(self.callback, "view_initkwargs", {}) or {}
        return initkwargs.get("model") or getattr(view, "model", None)

    def fill(self, values: dict[str, str]) -> str:
        # A route under a regex include (Wagtail's API router: "api/v2/^pages/…") keeps its anchors: dropped.
        route = re.sub(r"[\^$]", "", self.route)
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m[1]], route)

    def __str__(self) -> str:
        return f"/{self.route}"


def routes_walk(patterns=None, prefix="", namespace="", ours_namespace=False) -> Iterator[Route]:
    """Every URL pattern the resolver knows, with the route it is reached by."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            yield from routes_walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield Route(
                route=prefix + str(pattern.pattern),
                name=pattern.name or "",
                namespace=namespace,
                callback=pattern.callback,
                regex=not isinstance(pattern.pattern, RoutePattern),
            )


def routes_fuzzed() -> tuple[list[Route], list[Route]]:
    """(fuzzed, skipped): every pattern but Wagtail's own admin internals and static/media.

    An admin pattern is ours when its view is in our packages or it sits in a namespace (a
    viewset) where one view is ours, or it is a snippet of one of our models.
    """
    every = list(routes_walk())
    our_namespaces = {r.namespace for r in every if r.namespace and r.ours}
    fuzzed, skipped = [], []
    for r in every:
        if r.route.startswith("admin/"):
            snippet = r.route.startswith("admin/snippets/") and r.route.split("/")[2] in OUR_PACKAGES
            keep = r.ours or r.namespace in our_namespaces or snippet or r.route == "admin/"
            (fuzzed if keep else skipped).append(r)
        elif r.route.startswith((settings.STATIC_URL.lstrip("/"), settings.MEDIA_URL.lstrip("/"))):
            skipped.append(r)
        else:
            fuzzed.append(r)
    return fuzzed, skipped


def route_of(path: str, routes: dict[str, Route]) -> Route | None:
    """The fuzzed route a site path resolves to (None: not ours to fuzz, or no route)."""
    try:
        match = resolve(urlsplit(path).path)
    except Http404:
        return None
    return routes.get(match.route) or next((r for r in routes.values() if r.callback is match.func), None)


# What a view reads ---------------------------------------------------------------------------


@contextlib.contextmanager
def keys_recorded() -> Iterator[set[str]]:
    """Record every key asked of any QueryDict (``get``, ``getlist``, ``[]``, ``in``) meanwhile."""
    asked: set[str] = set()
    originals = {name: getattr(QueryDict, name) for name in ("get", "getlist", "__getitem__", "__contains__")}

    def wrap(name):
        original = originals[name]

        def recorded(self, key, *args, **kwargs):
            if isinstance(key, str):
                asked.add(key)
            return original(self, key, *args, **kwargs)

        return recorded

    for name in originals:
        setattr(QueryDict, name, wrap(name))
    try:
        yield asked
    finally:
        for name, original in originals.items():
            setattr(QueryDict, name, original)


_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE|TRUNCATE|DROP|ALTER|CREATE)\b", re.IGNORECASE)
# Tables a refused request may write, as they hold who is looking, not data: the session (Django
# saves it when a view touches it) and Wagtail's editing sessions (its edit views note who has an
# object open whenever they render, a refused form's re-render included).
# Sessions and Wagtail's "who is editing" rows record who is looking, not data; the auth event log
# records refused sign-ins and codes on purpose (accounts.audit).
WRITE_ALLOWED_TABLES = ("django_session", "wagtailadmin_editingsession", "accounts_authevent")


@contextlib.contextmanager
def writes_recorded() -> Iterator[list[str]]:
    """Every INSERT/UPDATE/DELETE sent on the default connection meanwhile (session table aside)."""
    writes: list[str] = []

    def wrapper(execute, sql, params, many, context):
        if _WRITE.match(sql) and not any(table in sql for table in WRITE_ALLOWED_TABLES):
            writes.append(sql[:200])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield writes


# Forms -------------------------------------------------------------------------------------


@dataclasses.dataclass
class Field:
    name: str
    kind: str  # input type, "select" or "textarea"
    value: str
    options: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Form:
    method: str
    action: str
    fields: list[Field]
    multipart: bool

    def signature(self) -> tuple:
        return (self.method, urlsplit(self.action).path, tuple(sorted({f.name for f in self.fields})))


class _PageParser(HTMLParser):
    """The forms and the links of a page (stdlib parser: enough for our server-rendered HTML)."""

    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base = base
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "option":
            self._option(a)
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            action = a.get("action") or self.base
            self._form = Form(
                method=(a.get("method") or "get").lower(),
                action=action,
                fields=[],
                multipart="multipart" in a.get("enctype", ""),
            )
            self.forms.append(self._form)
            self.links.append(action)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset") and not a.get("value"):
                return
            checked = kind not in ("checkbox", "radio") or "checked" in a
            self._form.fields.append(Field(a["name"], kind, a.get("value", "on" if kind == "checkbox" else "")))
            if not checked:
                self._form.fields[-1].value = ""
        elif tag == "select":
            self._select = Field(a["name"], "select", "")
            self._form.fields.append(self._select)
        elif tag == "textarea":
            self._textarea = Field(a["name"], "textarea", "")
            self._form.fields.append(self._textarea)
        elif tag == "button" and a.get("value"):
            self._form.fields.append(Field(a["name"], "submit", a["value"]))

    def _option(self, a: dict[str, str]) -> None:
        if self._select is not None:
            self._select.options.append(a.get("value", ""))
            if "selected" in a or not self._select.value:
                self._select.value = a.get("value", "")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_parse(html: str, base: str) -> tuple[list[Form], list[str]]:
    parser = _PageParser(base)
    parser.feed(html)
    parser.close()
    return parser.forms, parser.links


def form_data(form: Form, values: dict[str, str]) -> dict:
    """The POST body: each field's own value unless ``values`` names it; files get hostile bytes."""
    data: dict[str, list] = {}
    for f in form.fields:
        value = values.get(f.name, f.value)
        if f.kind == "file":
            name = value if value and "\x00" not in value else "roster.csv"
            value = SimpleUploadedFile(name[:200], (values.get(f.name) or "").encode() or b"\x00\xff")
        elif f.name == "csrfmiddlewaretoken":
            value = CSRF_SECRET
        if f.kind in ("checkbox", "radio") and f.name not in values and not value:
            continue
        data.setdefault(f.name, []).append(value)
    data["csrfmiddlewaretoken"] = [CSRF_SECRET]
    return data


# Requests ----------------------------------------------------------------------------------


@dataclasses.dataclass
class Failure:
    role: str
    method: str
    url: str
    data: object
    problem: str

    def __str__(self) -> str:
        shown = {
            k: (v if len(str(v)) < 80 else f"{str(v)[:40]}…({len(str(v))} chars)") for k, v in dict(self.data).items()
        }
        url = self.url if len(self.url) < 200 else f"{self.url[:150]}…({len(self.url)} chars)"
        return f"[{self.role}] {self.method} {url} {shown}: {self.problem}"


def query_string(params: dict[str, str]) -> str:
    return urlencode(params, doseq=True)


def exception_summary(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if not any(part in f.filename for part in ("/.venv/", "/site-packages/", "/tests/"))]
    where = frames[-1]
    return f"500 {type(error).__name__}: {str(error)[:160]} at {_short(where.filename)}:{where.lineno}" + (
        f" (from {_short(ours[-1].filename)}:{ours[-1].lineno})" if ours else ""
    )


def _short(filename: str) -> str:
    return filename.split("site-packages/")[-1].split("/work/")[-1]
