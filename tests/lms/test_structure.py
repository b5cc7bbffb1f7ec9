"""The rules that keep the house in rooms (issue 11): checks over the source tree, not over behaviour.

- templates ``{% load %}`` only tag libraries of their own floor or a lower one;
- no import cycles between our modules (module-level imports; ``ast``, no import is executed);
- every function-level import of our packages says why, in a comment on its line or the line above;
- no module in the apps over ``MAX_MODULE_LINES`` lines (migrations aside);
- every Celery task has an explicit ``name=``.

The Python import floors themselves are import-linter contracts (pyproject.toml, tests/lms/test_imports.py).
"""

import ast
import re
import tokenize
from collections import defaultdict
from functools import cache
from itertools import pairwise
from pathlib import Path

from django.conf import settings
from django.template import engines

BASE_DIR = Path(settings.BASE_DIR)

# Floors, lowest first (the same order as [tool.importlinter] and INSTALLED_APPS). Apps on the same
# floor are independent siblings: neither may use the other.
FLOORS = [["core"], ["accounts"], ["courses"], ["outreach"], ["home", "insights"]]
FLOOR = {app: level for level, apps in enumerate(FLOORS) for app in apps}
APPS = list(FLOOR)
# Our packages: the apps and the wiring (lms).
PACKAGES = [*APPS, "lms"]

# Wagtail's own templates that we override belong to the app that customises them.
WAGTAIL_OVERRIDES = {"wagtailusers": "accounts"}
# Site-wide templates (templates/ itself, includes/, the error pages) belong to the ground floor.
CORE_TEMPLATE_DIRS = {"includes"}

MAX_MODULE_LINES = 600

LOAD_TAG = re.compile(r"{%-?\s*load\s+(?P<args>.*?)\s*-?%}", re.DOTALL)


def _may_use(user: str, owner: str) -> bool:
    """Whether code or templates of app ``user`` may use app ``owner``: its own app or a lower floor."""
    return user == owner or FLOOR[owner] < FLOOR[user]


def _shown(path: Path) -> Path:
    return path.relative_to(BASE_DIR) if path.is_relative_to(BASE_DIR) else path


# --- templates ---------------------------------------------------------------------------------------


def _template_roots() -> list[tuple[Path, str | None]]:
    """The template folders: (folder, the app every template in it belongs to, or None: decided by path)."""
    roots: list[tuple[Path, str | None]] = [(BASE_DIR / "templates", None)]
    roots += [(BASE_DIR / app / "templates", app) for app in APPS if (BASE_DIR / app / "templates").is_dir()]
    return roots


def template_app(relative: Path) -> str:
    """The app (floor) a template belongs to, from its path under a project-wide templates/ folder."""
    if len(relative.parts) == 1 or relative.parts[0] in CORE_TEMPLATE_DIRS:
        return "core"  # base.html, 404.html, 500.html, includes/…
    top = relative.parts[0]
    if top in FLOOR:
        return top
    if top in WAGTAIL_OVERRIDES:
        return WAGTAIL_OVERRIDES[top]
    raise AssertionError(
        f"templates/{relative}: no floor for templates/{top}/ (an app's folder, or add it to WAGTAIL_OVERRIDES)"
    )


def template_library_apps() -> dict[str, str | None]:
    """Each tag library Django knows (``{% load name %}``) -> our app that defines it, or None (third party)."""
    engine = engines["django"].engine
    # template_libraries: name -> Library (what {% load %} finds); libraries: name -> the module defining it.
    owners: dict[str, str | None] = {}
    for name in engine.template_libraries:
        top = engine.libraries[name].split(".", 1)[0]
        owners[name] = top if top in FLOOR else None
    return owners


def loaded_libraries(text: str) -> list[tuple[int, str]]:
    """(line, library) for every library a template ``{% load %}``s (``{% load a b %}``, ``{% load x from a %}``)."""
    found = []
    for match in LOAD_TAG.finditer(text):
        words = match.group("args").split()
        names = words[words.index("from") + 1 :] if "from" in words else words
        line = text.count("\n", 0, match.start()) + 1
        found += [(line, name) for name in names]
    return found


def test_templates_load_only_tag_libraries_of_their_floor_or_below():
    owners = template_library_apps()
    offences = []
    for root, root_app in _template_roots():
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in {".html", ".txt", ".xml", ".svg"}:
                app = root_app or template_app(path.relative_to(root))
                offences += template_load_offences(path, app, owners)
    assert not offences, "Templates using tag libraries above their floor:\n" + "\n".join(offences)


def template_load_offences(path: Path, app: str, owners: dict[str, str | None]) -> list[str]:
    """What a template of ``app`` loads that it may not: a higher or sibling floor's library, or an unknown one."""
    offences = []
    for line, library in loaded_libraries(path.read_text(encoding="utf-8")):
        if library not in owners:
            offences.append(f"{_shown(path)}:{line} loads {library!r}, which no installed app defines")
        elif owners[library] is not None and not _may_use(app, owners[library]):
            offences.append(
                f"{_shown(path)}:{line} ({app}) loads {library!r} of {owners[library]}, a higher or sibling floor"
            )
    return offences


def test_the_template_check_finds_a_higher_floors_library(tmp_path):
    template = tmp_path / "account_nav.html"
    template.write_text("{% load i18n %}\n{% load site_tags campaign_tags %}\n{% load x from nowhere %}\n")
    owners = {"i18n": None, "site_tags": "core", "campaign_tags": "outreach"}
    assert template_load_offences(template, "outreach", owners) == [
        f"{template}:3 loads 'nowhere', which no installed app defines"
    ]
    assert template_load_offences(template, "accounts", owners) == [
        f"{template}:2 (accounts) loads 'campaign_tags' of outreach, a higher or sibling floor",
        f"{template}:3 loads 'nowhere', which no installed app defines",
    ]


def test_template_floors_are_read_from_paths():
    assert template_app(Path("base.html")) == "core"
    assert template_app(Path("404.html")) == "core"
    assert template_app(Path("includes/header.html")) == "core"
    assert template_app(Path("courses/training/my_training.html")) == "courses"
    assert template_app(Path("wagtailusers/users/edit.html")) == "accounts"
    assert loaded_libraries("{% load i18n site_tags %}\n{% load fold from search_tags %}") == [
        (1, "i18n"),
        (1, "site_tags"),
        (2, "search_tags"),
    ]
    owners = template_library_apps()
    assert owners["site_tags"] == "core"
    assert owners["i18n"] is None and owners["wagtailcore_tags"] is None
    assert not _may_use("core", "outreach") and not _may_use("home", "insights") and _may_use("home", "core")


# --- Python modules ------------------------------------------------------------------------------------


@cache
def our_modules() -> dict[str, Path]:
    """Every module of our packages: dotted name -> file (``pkg/__init__.py`` is ``pkg``)."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((BASE_DIR / package).rglob("*.py")):
            parts = path.relative_to(BASE_DIR).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


@cache
def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, *, in_function: bool = False):
    """(import node, whether it runs inside a function) for every import, ``if TYPE_CHECKING:`` blocks left out."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, in_function
        elif isinstance(node, ast.If) and _is_type_checking(node):
            yield from _imports(ast.Module(body=node.orelse, type_ignores=[]), in_function=in_function)
        else:
            inner = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            yield from _imports(node, in_function=inner)


def _package_of(module: str) -> str:
    path = our_modules()[module]
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def imported_modules(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """Our modules that an import statement in ``module`` imports (the most specific module that exists)."""
    known = our_modules()
    targets = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = _package_of(module).split(".")
            anchor = package[: len(package) - (node.level - 1)]
            base = ".".join([*anchor, base] if base else anchor)
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
    for name in names:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name and name not in targets:
            targets.append(name)
    return targets


def import_graph() -> dict[str, dict[str, int]]:
    """Module -> {imported module: line} for module-level imports between our modules."""
    graph: dict[str, dict[str, int]] = defaultdict(dict)
    for module, path in our_modules().items():
        graph.setdefault(module, {})  # every module is a node, with or without imports
        for node, in_function in _imports(parsed(path)):
            if in_function:
                continue
            for target in imported_modules(module, node):
                if target != module:
                    graph[module].setdefault(target, node.lineno)
    return dict(graph)


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module (iterative: no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.get(target, {})))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return components


def one_cycle(graph: dict[str, dict[str, int]], component: list[str]) -> list[str]:
    """A shortest cycle through the first module of a strongly connected component (breadth first)."""
    members = set(component)
    start = component[0]
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node]):
                if target == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if target in members and target not in came_from:
                    came_from[target] = node
                    following.append(target)
        frontier = following
    raise AssertionError(f"no cycle in {component}")


def describe_cycle(graph: dict[str, dict[str, int]], cycle: list[str]) -> str:
    steps = [f"{our_modules()[a].relative_to(BASE_DIR)}:{graph[a][b]} imports {b}" for a, b in pairwise(cycle)]
    return " -> ".join(cycle) + "\n    " + "\n    ".join(steps)


def test_no_import_cycles_between_our_modules():
    """Module-level imports only: an import inside a function or under ``if TYPE_CHECKING:`` is no edge."""
    graph = import_graph()
    cycles = [describe_cycle(graph, one_cycle(graph, component)) for component in strongly_connected(graph)]
    assert not cycles, f"{len(cycles)} import cycle(s) (one cycle shown per tangle):\n" + "\n".join(cycles)


def test_the_cycle_finder_finds_cycles():
    graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3, "d": 4}, "d": {}, "e": {"e": 5}}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert one_cycle(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]
    tree = ast.parse(
        "import os\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import x\nelse:\n    import y\n"
        "class C:\n    import z\ndef f():\n    import w\n"
    )
    found = [(node.names[0].name, in_function) for node, in_function in _imports(tree)]
    assert found == [("os", False), ("TYPE_CHECKING", False), ("y", False), ("z", False), ("w", True)]


@cache
def comment_lines(path: Path) -> frozenset[int]:
    """Lines of a file that hold a comment (on their own or after code)."""
    with path.open("rb") as source:
        return frozenset(
            token.start[0] for token in tokenize.tokenize(source.readline) if token.type == tokenize.COMMENT
        )


def _is_ours(module: str, node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.ImportFrom) and node.level:
        return True
    names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
    return any(name.split(".", 1)[0] in PACKAGES for name in names)


def import_says_why(path: Path, node: ast.Import | ast.ImportFrom, import_lines: frozenset[int]) -> bool:
    """A comment on the import's lines or the line above; or above the group of imports it stands in.

    ``# Imported here: signal receivers connect once the apps are loaded.`` over three imports in a
    ``ready()`` covers the three: walking up from the import, blank lines and other imports are skipped
    until a comment line (found) or other code (not found).
    """
    comments = comment_lines(path)
    last = node.end_lineno or node.lineno
    if comments.intersection(range(node.lineno - 1, last + 1)):
        return True
    lines = path.read_text(encoding="utf-8").splitlines()
    line = node.lineno - 1
    while line >= 1:
        text = lines[line - 1].strip()
        if text.startswith("#"):
            return True
        if text and line not in import_lines:
            return False
        line -= 1
    return False


def function_level_imports_without_why(module: str, path: Path) -> list[str]:
    found = list(_imports(parsed(path)))
    import_lines = frozenset(
        line for node, _ in found for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)
    )
    return [
        f"{_shown(path)}:{node.lineno}: {ast.unparse(node)}"
        for node, in_function in found
        if in_function and _is_ours(module, node) and not import_says_why(path, node, import_lines)
    ]


def test_every_function_level_import_of_our_packages_says_why():
    """Allowed only where Celery or app loading needs it, with a comment saying so (see ``import_says_why``)."""
    modules = our_modules().items()
    offences = [offence for module, path in modules for offence in function_level_imports_without_why(module, path)]
    assert not offences, (
        f"{len(offences)} function-level import(s) of our packages without a comment saying why "
        "(move the code so the cycle disappears, or say which Celery/app-loading need it serves):\n"
        + "\n".join(offences)
    )


def test_the_why_check_reads_comments_above_an_import_group(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        "def ready():\n    # Imported here: the apps are loaded.\n    from django.db import models\n\n"
        "    from .published import changed\n\n\n"
        "def task():\n    value = 1\n    from .services import run\n\n\n"
        "def other():\n    from .services import run  # the tasks module imports this one\n",
        encoding="utf-8",
    )
    assert [line.split(": ", 1)[1] for line in function_level_imports_without_why("sample", source)] == [
        "from .services import run"
    ]


def test_no_module_in_the_apps_is_over_the_size_limit():
    offences = []
    for path in our_modules().values():
        if "migrations" in path.relative_to(BASE_DIR).parts:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            offences.append(f"{path.relative_to(BASE_DIR)}: {lines} lines")
    assert not offences, f"Modules over {MAX_MODULE_LINES} lines (split them by job):\n" + "\n".join(offences)


def _task_decorator(node: ast.expr) -> bool:
    """``shared_task``/``@app.task`` (called or bare)."""
    func = node.func if isinstance(node, ast.Call) else node
    return (isinstance(func, ast.Name) and func.id == "shared_task") or (
        isinstance(func, ast.Attribute) and func.attr in {"task", "shared_task"}
    )


def unnamed_tasks(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, what) for every Celery task declared without an explicit ``name=`` keyword."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                if _task_decorator(decorator) and not _has_name(decorator):
                    found.append((decorator.lineno, f"task {node.name}"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "shared_task"
            and not _has_name(node)
            and not _is_decorator_call(tree, node)
        ):
            found.append((node.lineno, ast.unparse(node)))
    return found


def _has_name(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and any(keyword.arg == "name" for keyword in node.keywords)


@cache
def _decorators(tree: ast.Module) -> frozenset[int]:
    return frozenset(
        id(decorator)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for decorator in node.decorator_list
    )


def _is_decorator_call(tree: ast.Module, node: ast.Call) -> bool:
    return id(node) in _decorators(tree)


def test_every_celery_task_has_an_explicit_name():
    offences = [
        f"{path.relative_to(BASE_DIR)}:{line}: {what}"
        for path in our_modules().values()
        for line, what in unnamed_tasks(parsed(path))
    ]
    assert not offences, (
        "Celery tasks without an explicit name= (a renamed task keeps its old name with core.tasks.task_renamed):\n"
        + "\n".join(offences)
    )


def test_the_task_name_check_reads_decorators_and_calls():
    tree = ast.parse(
        "@shared_task\ndef a(): ...\n@shared_task(acks_late=True)\ndef b(): ...\n"
        "@app.task(name='x.c')\ndef c(): ...\n@shared_task(name='x.d')\ndef d(): ...\n"
        "shared_task(acks_late=True)(a)\nshared_task(name=n)(a)\n"
    )
    assert unnamed_tasks(tree) == [(1, "task a"), (3, "task b"), (9, "shared_task(acks_late=True)")]


# Services and selectors: keyword-only, annotated -----------------------------------------------

# Entry points that accounts.hooks calls positionally (settings.ACCOUNTS_SIGN_IN_HOOKS): their
# signature is the hook's contract, not the service style.
HOOK_ENTRY_POINTS = {"courses.learning.services.session_progress_claim"}


def signature_offences(module: str, tree: ast.Module) -> list[str]:
    """Public functions of a services/selectors module that take positional or unannotated arguments."""
    offences = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
            continue
        if f"{module}.{node.name}" in HOOK_ENTRY_POINTS:
            continue
        positional = [arg.arg for arg in [*node.args.posonlyargs, *node.args.args]]
        unannotated = [arg.arg for arg in node.args.kwonlyargs if arg.annotation is None]
        if positional or unannotated or node.returns is None:
            offences.append(
                f"{module}.{node.name}: positional {positional or '-'}, unannotated {unannotated or '-'}, "
                f"return {'missing' if node.returns is None else 'annotated'}"
            )
    return offences


def test_services_and_selectors_take_keyword_only_annotated_arguments():
    offences = []
    for module, path in our_modules().items():
        if module.rsplit(".", 1)[-1] in ("services", "selectors"):
            offences += signature_offences(module, parsed(path))
    assert not offences, "Make these keyword-only (def f(*, name: Type) -> Result):\n" + "\n".join(offences)


def test_the_signature_check_finds_positional_and_unannotated_arguments():
    tree = ast.parse("def good(*, a: int) -> int: ...\ndef bad(a, *, b) -> None: ...\ndef _private(a): ...\n")
    assert [line.split(":")[0] for line in signature_offences("x.services", tree)] == ["x.services.bad"]
