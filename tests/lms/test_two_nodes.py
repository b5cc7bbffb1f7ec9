"""Two gunicorn nodes behind nginx, sharing the database, Redis (cache, page cache, the published memo's
generation) and an S3-compatible object store (moto's server): a page published through node A is never served
stale by node B, neither from the page cache (anonymous visitors) nor from a process's published memo (signed-in
people); an image uploaded through A is served through nginx from the bucket after B made its rendition.

Each node runs two worker processes, so each round also crosses processes inside a node. ``make test-two-nodes``
runs it with ``TWO_NODE_ROUNDS`` publishes (default 50); docs/deployment.md records the result. Needs nginx
(.ci/system-deps.sh), gunicorn and a Redis (CACHE_URL, or the Redis of CELERY_BROKER_URL).
"""

import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image as PILImage

from core.storage import PUBLIC_PREFIXES
from courses.models import TutorialPage
from tests.accounts.factories import UserFactory
from tests.courses.factories import tutorial_create, tutorial_index_create
from tests.support.s3 import free_port, public_read_policy, storage_environment
from tests.support.worker import worker_database_url

BASE_DIR = Path(__file__).resolve().parents[2]
ROUNDS = int(os.environ.get("TWO_NODE_ROUNDS", "8"))
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# Committed rows (the nodes are other processes); the migrations' rows (root page and collection) come back after.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]


def _redis_url():
    url = os.environ.get("CACHE_URL") or os.environ.get("CELERY_BROKER_URL") or ""
    return url if url.startswith("redis://") else ""


def _unavailable(reason):
    if os.environ.get("TWO_NODE_REQUIRED"):
        pytest.fail(reason)
    pytest.skip(reason)


def _wait_http(url, timeout=90.0):
    import requests  # with moto's server dependencies

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    client_max_body_size 20m;
    upstream web {{ server 127.0.0.1:{a}; server 127.0.0.1:{b}; }}
    server {{
        listen 127.0.0.1:{port};
        # Public media from the bucket (docs/deployment.md): images, renditions, narration; nothing else.
        location ~ ^/media/(images|original_images|audio)/ {{
            rewrite ^/media/(.*)$ /{bucket}/$1 break;
            proxy_pass http://127.0.0.1:{s3};
            proxy_set_header Host 127.0.0.1:{s3};
            proxy_set_header Authorization "";
            proxy_hide_header x-amz-request-id;
            add_header X-Content-Type-Options nosniff;
        }}
        location /media/ {{ return 404; }}
        location / {{
            proxy_pass http://web;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Request-ID $request_id;
        }}
    }}
}}
"""


@pytest.fixture
def cluster(request, s3_bucket, tmp_path):
    """Nodes A and B and nginx; with the parameter "split", B shares nothing in Redis with A (a broken setup)."""
    redis_url = _redis_url()
    if not redis_url:
        _unavailable("two nodes share Redis: set CACHE_URL or a redis:// CELERY_BROKER_URL")
    if not Path(NGINX).exists():
        _unavailable("nginx is not installed (.ci/system-deps.sh installs it)")
    from django.db import connection

    database_url = worker_database_url(connection.settings_dict)
    # As in production: anonymous reads of the public prefixes only (nginx sends no credentials).
    s3_bucket.client.put_bucket_policy(
        Bucket=s3_bucket.name, Policy=public_read_policy(s3_bucket.name, PUBLIC_PREFIXES)
    )
    ports = {"a": free_port(), "b": free_port(), "port": free_port()}
    run = f"two-nodes-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        **storage_environment(s3_bucket.endpoint, s3_bucket.name),
        "DJANGO_SETTINGS_MODULE": "tests.support.node_settings",
        "DATABASE_URL": database_url,
        "CACHE_URL": redis_url,
        "MEDIA_ROOT": str(tmp_path / "local-media"),
        "LOG_LEVEL": "WARNING",
    }
    processes = []
    logs = []
    for name in ("a", "b"):
        # A prefix of this run's own in Redis: database ids restart in every test run, and what an earlier run
        # cached under them (Wagtail's renditions) must not be found. "split": B gets one of its own too.
        split = name == "b" and getattr(request, "param", "") == "split"
        node_env = {**env, "NODE_CACHE_PREFIX": f"{run}-b" if split else run}
        log = open(tmp_path / f"node-{name}.log", "wb")  # noqa: SIM115 (closed at teardown)
        logs.append(log)
        command = [sys.executable, "-m", "gunicorn", "lms.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{ports[name]}"]
        command += ["--control-socket", str(tmp_path / f"gunicorn-{name}.ctl")]  # not the user's shared one
        processes.append(subprocess.Popen(command, cwd=BASE_DIR, env=node_env, stdout=log, stderr=subprocess.STDOUT))
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + NGINX_CONF.format(tmp=tmp_path, bucket=s3_bucket.name, s3=s3_bucket.endpoint.rsplit(":", 1)[1], **ports)
    )
    processes.append(subprocess.Popen([NGINX, "-c", str(conf), "-e", str(tmp_path / "error.log")]))
    try:
        for name in ("a", "b", "port"):
            _wait_http(f"http://127.0.0.1:{ports[name]}/healthz")
        yield {
            "a": f"http://127.0.0.1:{ports['a']}",
            "b": f"http://127.0.0.1:{ports['b']}",
            "nginx": f"http://127.0.0.1:{ports['port']}",
            "bucket": s3_bucket,
            "local_media": tmp_path / "local-media",
            "logs": tmp_path,
        }
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()


def _session(user):
    import requests

    client = Client()
    client.force_login(user)  # a session row in the shared database
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    return session


def _csrf(session, url):
    page = session.get(url, timeout=10, allow_redirects=False)
    assert page.status_code == 200, (url, page.status_code, page.headers.get("Location"))  # signed in, allowed
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def _title(html):
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    return match.group(1).strip() if match else None


def _publish_rounds(cluster, home_page, rounds):
    """Publish ``rounds`` new titles through A, reading B and nginx right after each; returns what was seen."""
    import requests

    editor = UserFactory(is_staff=True, is_superuser=True, email="bientap@example.vn")
    reader = UserFactory(email="docgia@example.vn")
    tutorial = tutorial_create(tutorial_index_create(home_page), "Bản 0")
    a, b = _session(editor), _session(reader)
    anonymous = requests.Session()
    publish = f"{cluster['a']}/admin/bulk/wagtailcore/page/publish/?id={tutorial.pk}"
    seen = {"stale": [], "delays": [], "hits": 0, "reads": 0}
    for number in range(1, rounds + 1):
        # B remembers the version it last served: in its page cache and in each worker's memo.
        for _ in range(3):
            anonymous.get(cluster["b"] + tutorial.url, timeout=10)
            b.get(cluster["b"] + tutorial.url, timeout=10)
        page = TutorialPage.objects.get(pk=tutorial.pk)
        page.title = f"Bản {number}"
        page.save_revision()  # a draft: nothing visible changes yet
        token = _csrf(a, publish)
        started = time.monotonic()
        response = a.post(publish, data={"csrfmiddlewaretoken": token}, timeout=30, allow_redirects=False)
        assert response.status_code == 302 and "/login/" not in response.headers["Location"], response.text[:500]
        seen["delays"].append(time.monotonic() - started)
        assert TutorialPage.objects.get(pk=tutorial.pk).title == f"Bản {number}"  # A published it
        # At once, on B (both workers, several times) and through nginx: the new version, never the old one.
        for _ in range(4):
            for label, session, base in (
                ("anonymous B", anonymous, cluster["b"]),
                ("signed-in B", b, cluster["b"]),
                ("anonymous nginx", anonymous, cluster["nginx"]),
                ("signed-in nginx", b, cluster["nginx"]),
            ):
                answer = session.get(base + tutorial.url, timeout=10)
                seen["reads"] += 1
                seen["hits"] += answer.headers.get("X-Page-Cache") == "hit"
                if _title(answer.text) != f"Bản {number}":
                    seen["stale"].append((number, label, _title(answer.text)))
    return seen


def test_a_page_published_through_a_is_never_stale_on_b(cluster, home_page):
    seen = _publish_rounds(cluster, home_page, ROUNDS)
    assert seen["stale"] == []
    assert seen["hits"] > 0  # the page cache did serve between publishes
    print(
        f"\ntwo nodes: {ROUNDS} publishes through A, {seen['reads']} reads of B and nginx right after, "
        f"0 stale; {seen['hits']} answered from the page cache; publish through the admin median "
        f"{statistics.median(seen['delays']) * 1000:.0f} ms"
    )


@pytest.mark.parametrize("cluster", ["split"], indirect=True)
def test_the_check_sees_staleness_when_b_shares_no_cache(cluster, home_page):
    """The negative control: B with a cache prefix of its own keeps serving what it had (so the check can fail)."""
    seen = _publish_rounds(cluster, home_page, 1)
    labels = {label for _number, label, _title in seen["stale"]}
    assert {"anonymous B", "signed-in B"} <= labels, seen["stale"]


def test_an_image_uploaded_through_a_is_served_through_b_and_nginx(cluster):
    import requests

    editor = UserFactory(is_staff=True, is_superuser=True, email="anh@example.vn")
    a, b = _session(editor), _session(editor)
    buffer = io.BytesIO()
    PILImage.new("RGB", (900, 500), (30, 120, 60)).save(buffer, "PNG")
    token = _csrf(a, cluster["a"] + "/admin/images/add/")
    from wagtail.models import Collection

    root = Collection.get_first_root_node()
    started = time.monotonic()
    response = a.post(
        cluster["a"] + "/admin/images/add/",
        data={"csrfmiddlewaretoken": token, "title": "Ảnh qua nút A", "collection": root.pk},
        files={"file": ("anh.png", buffer.getvalue(), "image/png")},
        timeout=30,
        allow_redirects=False,
    )
    upload_ms = (time.monotonic() - started) * 1000
    assert response.status_code == 302, response.text[:1000]
    from wagtail.images import get_image_model

    image = get_image_model().objects.get(title="Ảnh qua nút A")
    assert image.file.name in cluster["bucket"].keys
    # B's admin shows it: B reads the original from the bucket and stores the preview rendition there.
    edit = b.get(f"{cluster['b']}/admin/images/{image.pk}/", timeout=30)
    assert edit.status_code == 200
    rendition = re.search(r'src="(/media/images/[^"]+)"', edit.text).group(1)
    started = time.monotonic()
    served = b.get(cluster["nginx"] + rendition, timeout=10)
    read_ms = (time.monotonic() - started) * 1000
    assert served.status_code == 200, (rendition, served.status_code, served.text[:300], cluster["bucket"].keys)
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert PILImage.open(io.BytesIO(served.content)).size[0] <= 900
    original = b.get(f"{cluster['nginx']}/media/{image.file.name}", timeout=10)
    assert original.content == buffer.getvalue()
    # Only the public prefixes are proxied, and the bucket lets no one without keys read anything else.
    assert b.get(f"{cluster['nginx']}/media/documents/anything.pdf", timeout=10).status_code == 404
    bucket = cluster["bucket"]
    bucket.client.put_object(Bucket=bucket.name, Key="documents/ho-so.pdf", Body=b"%PDF-1.4 personal")
    assert requests.get(f"{bucket.endpoint}/{bucket.name}/documents/ho-so.pdf", timeout=10).status_code == 403
    assert requests.get(f"{bucket.endpoint}/{bucket.name}/{image.file.name}", timeout=10).status_code == 200
    # No file went to either node's disk.
    assert not cluster["local_media"].exists() or not any(cluster["local_media"].rglob("*.*"))
    print(f"\nobject store: upload through A {upload_ms:.0f} ms, rendition read through nginx {read_ms:.1f} ms")
