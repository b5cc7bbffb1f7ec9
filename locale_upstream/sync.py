"""Vietnamese for the Wagtail and Django admin strings their own catalogues lack, kept upstream-ready.

Wagtail's Vietnamese catalogue covers about 15 % of its admin (134 of 902 ``wagtailadmin`` strings), so
without this the admin our staff use is half English. Each catalogue here mirrors the package's own path
(``wagtail/admin/locale/vi/LC_MESSAGES/django.po`` is a complete replacement for Wagtail's file of the
same path, to be offered upstream as it is); ``lms/settings/base.py`` adds every ``locale`` folder below
this one to ``LOCALE_PATHS``, after the project's own, so they override the packages' catalogues.

    python locale_upstream/sync.py            # re-template on the installed versions, report, write
    python locale_upstream/sync.py --check    # exit 1 if an installed msgid has no Vietnamese
    python locale_upstream/sync.py --add F.json   # take {catalogue path: {"msgid" or "ctx\\x04msgid": "..."}}

After an upgrade of Wagtail or Django, ``sync.py`` lists the new strings; ``make messages`` compiles.
Django's own Vietnamese is mostly complete and maintained, so its catalogues here hold only what it lacks.
"""

import argparse
import json
import sys
from importlib.util import find_spec
from pathlib import Path

import polib

HERE = Path(__file__).resolve().parent

# (package, catalogue folder inside it, domain, complete): "complete" catalogues hold every msgid (the
# upstream replacement); the others only the msgids the package's own Vietnamese lacks.
CATALOGUES = [
    *(
        ("wagtail", app, domain, True)
        for app in (
            "admin",
            "",
            "contrib/forms",
            "contrib/redirects",
            "contrib/search_promotions",
            "contrib/settings",
            "documents",
            "embeds",
            "images",
            "search",
            "sites",
            "snippets",
            "users",
        )
        for domain in ("django", "djangojs")
    ),
    *(
        ("django", app, "django", False)
        for app in (
            "conf",
            "contrib/admin",
            "contrib/auth",
            "contrib/contenttypes",
            "contrib/sessions",
            "contrib/humanize",
        )
    ),
    ("taggit", "", "django", False),
]

HEADER = {
    "Project-Id-Version": "Kỹ Năng Số (upstream Vietnamese)",
    "Language": "vi",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=1; plural=0;",
}


def package_root(package: str) -> Path:
    spec = find_spec(package)
    if spec is None or spec.origin is None:
        raise SystemExit(f"{package} is not installed")
    return Path(spec.origin).parent


def _key(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid


def _translated(entry: polib.POEntry) -> str:
    if "fuzzy" in entry.flags:
        return ""
    return entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr


def _read(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    return {_key(e): _translated(e) for e in polib.pofile(str(path)) if not e.obsolete and _translated(e)}


def sync(added: dict[str, dict[str, str]]) -> list[tuple[str, str]]:
    """Rewrite every catalogue from the installed templates; return the (catalogue, msgid) still missing."""
    missing: list[tuple[str, str]] = []
    for package, app, domain, complete in CATALOGUES:
        source = package_root(package) / app / "locale"
        template = source / "en" / "LC_MESSAGES" / f"{domain}.po"
        if not template.exists():
            continue
        relative = Path(package) / app / "locale" / "vi" / "LC_MESSAGES" / f"{domain}.po"
        target = HERE / relative
        theirs = _read(source / "vi" / "LC_MESSAGES" / f"{domain}.po")
        ours = {**_read(target), **added.get(str(relative), {})}
        po = polib.POFile(wrapwidth=0)
        po.metadata = dict(HEADER)
        for entry in polib.pofile(str(template)):
            if entry.obsolete:
                continue
            key = _key(entry)
            text = ours.get(key) or theirs.get(key, "")
            if not complete and text == theirs.get(key):
                continue  # the package's own Vietnamese has it, as we would say it
            if not text:
                missing.append((str(relative), key))
            new = polib.POEntry(
                msgid=entry.msgid,
                msgctxt=entry.msgctxt,
                msgid_plural=entry.msgid_plural,
                occurrences=entry.occurrences,
                flags=[flag for flag in entry.flags if flag != "fuzzy"],
            )
            if entry.msgid_plural:
                new.msgstr_plural = {0: text}
            else:
                new.msgstr = text
            po.append(new)
        if len(po):
            target.parent.mkdir(parents=True, exist_ok=True)
            po.save(str(target))
    return missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a string has no Vietnamese")
    parser.add_argument(
        "--add",
        action="append",
        default=[],
        help='JSON {"wagtail/admin/locale/vi/LC_MESSAGES/django.po": {msgid: text}}',
    )
    args = parser.parse_args()
    added: dict[str, dict[str, str]] = {}
    for name in args.add:
        for catalogue, texts in json.loads(Path(name).read_text(encoding="utf-8")).items():
            added.setdefault(catalogue, {}).update(texts)
    missing = sync(added)
    for catalogue, key in missing:
        print(f"untranslated: {catalogue}: {key!r}")
    print(f"{len(missing)} untranslated", file=sys.stderr)
    return 1 if args.check and missing else 0


if __name__ == "__main__":
    sys.exit(main())
