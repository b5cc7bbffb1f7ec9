"""The Vietnamese catalogue is complete, compiled and current."""

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def test_settings_are_vietnamese_first():
    assert settings.LANGUAGE_CODE == "vi"
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    # One public language (docs/languages.md); staff may keep Wagtail's admin in English.
    assert [code for code, _ in settings.LANGUAGES] == ["vi"]
    assert [code for code, _ in settings.WAGTAILADMIN_PERMITTED_LANGUAGES] == ["vi", "en"]


def test_every_message_is_translated_and_none_is_fuzzy():
    catalogue = polib.pofile(str(PO))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    assert not catalogue.metadata_is_fuzzy
    assert catalogue.metadata["Plural-Forms"].startswith("nplurals=1")


def test_compiled_catalogue_matches_the_source():
    compiled = gettext.GNUTranslations(MO.open("rb"))
    for entry in polib.pofile(str(PO)).translated_entries():
        if entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0]
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, f"run `make messages`: {entry.msgid!r}"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="gettext tools are not installed")
def test_no_ui_string_is_missing_from_the_catalogue(tmp_path):
    """makemessages finds nothing that the shipped catalogue lacks."""
    original = PO.read_bytes()  # makemessages rewrites the catalogue: put it back as it was
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale",
            "vi",
            "--ignore",
            ".venv/*",
            "--ignore",
            "var/*",
            "--ignore",
            "tests/*",
            "--ignore",
            "bench/*",
            "--no-obsolete",
            "--no-location",
            "--keep-pot",
        ],
        cwd=settings.BASE_DIR,
        check=True,
        capture_output=True,
    )
    pot = Path(settings.BASE_DIR) / "locale" / "django.pot"
    try:
        wanted = {entry.msgid for entry in polib.pofile(str(pot))}
    finally:
        pot.unlink(missing_ok=True)
        PO.write_bytes(original)
    shipped = {entry.msgid for entry in polib.pofile(str(PO)).translated_entries()}
    assert wanted - shipped == set()


def test_translation_is_applied():
    with translation.override("vi"):
        assert translation.gettext("Skip to main content") == "Chuyển đến nội dung chính"
    with translation.override("en"):
        assert translation.gettext("Skip to main content") == "Skip to main content"
