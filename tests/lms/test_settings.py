"""Configuration: environment-driven, safe by default, strict in production."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from tests.support.badges import badge_keys_json

BASE_DIR = settings.BASE_DIR


def run_manage(*args, **env):
    clean_env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_real_secret_key():
    for key in ("", "short", "django-insecure-" + "x" * 60, "a" * 60):
        result = run_manage("check", DJANGO_SETTINGS_MODULE="lms.settings.production", SECRET_KEY=key)
        assert result.returncode != 0
        assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_manage("check", DJANGO_SETTINGS_MODULE="lms.settings.production", SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_passes_check_deploy():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="kynangso.example.vn",
        WAGTAILADMIN_BASE_URL="https://kynangso.example.vn",
        BADGES_KEYS=badge_keys_json(),
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "base_url", ["http://127.0.0.1:8000", "http://localhost", "https://[::1]/", "http://0.0.0.0:8000", ""]
)
def test_production_refuses_a_loopback_public_address(base_url):
    # It would end up in QR codes, certificates and every SMS link.
    result = run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="kynangso.example.vn",
        WAGTAILADMIN_BASE_URL=base_url,
    )
    assert result.returncode != 0
    assert "WAGTAILADMIN_BASE_URL" in result.stderr


def test_database_connections_are_checked_before_reuse():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_embedded_default_needs_no_servers():
    """With no DATABASE_URL/CELERY_BROKER_URL: SQLite and the filesystem broker under var/."""
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.DATABASES['default']['ENGINE'], str(s.DATABASES['default']['NAME']), "
        "s.CELERY_BROKER_URL, s.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_in']]))"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env["DJANGO_SETTINGS_MODULE"] = "lms.settings.dev"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    engine, name, broker, queue_dir = json.loads(result.stdout.strip().splitlines()[-1])
    assert engine == "django.db.backends.sqlite3"
    assert name.startswith(str(BASE_DIR / "var"))
    assert broker == "filesystem://"
    assert os.path.isabs(queue_dir) and os.path.isdir(queue_dir)


@pytest.mark.parametrize("name", ["DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_HOST"])
def test_every_setting_from_the_environment_is_documented(name):
    example = (BASE_DIR / ".env.example").read_text(encoding="utf-8")
    assert f"{name}=" in example


def test_lms_holds_no_models():
    from django.apps import apps

    assert not [model for model in apps.get_models() if model.__module__.startswith("lms.")]


def test_production_refuses_to_start_without_a_badge_signing_key(tmp_path):
    # Credentials must be signed with the site's own key, never one made up on the machine (docs/badges.md).
    common = {
        "DJANGO_SETTINGS_MODULE": "lms.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "kynangso.example.vn",
        "WAGTAILADMIN_BASE_URL": "https://kynangso.example.vn",
    }
    result = run_manage("check", **common, BADGES_KEYS="", BADGES_KEYS_FILE="")
    assert result.returncode != 0
    assert "BADGES_KEYS_FILE" in result.stderr
    missing = run_manage("check", **common, BADGES_KEYS_FILE=str(tmp_path / "absent.json"))
    assert missing.returncode != 0
    assert "BADGES_KEYS_FILE" in missing.stderr
    keys = tmp_path / "badge-keys.json"
    keys.write_text(badge_keys_json())
    assert run_manage("check", **common, BADGES_KEYS_FILE=str(keys)).returncode == 0
