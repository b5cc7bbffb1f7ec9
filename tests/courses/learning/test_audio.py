"""Listening instead of reading: narration of tutorial steps and lessons (courses/learning/audio).

The recordings are real: espeak-ng and lame (Debian packages, .ci/system-deps.sh) make them, the
duration is read back by decoding the MP3 (``lame --decode``) and checked against the words read.
"""

import re
import shutil
import subprocess
import uuid
import wave
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django_celery_results.models import TaskResult
from wagtail.documents.models import Document
from wagtail.rich_text import RichText

from courses.demo import TUTORIALS, demo_services_seed, demo_tutorials_seed
from courses.demo_images import demo_image_ensure
from courses.learning.audio.models import WHOLE_PAGE, AudioClip
from courses.learning.audio.services import page_audio_refresh
from courses.learning.audio.texts import page_texts
from courses.learning.blocks import NarratedStepBlock
from courses.models import LessonPage, TutorialIndexPage, TutorialPage
from tests.accounts.factories import UserFactory
from tests.courses.factories import course_create, question, tutorial_create, tutorial_index_create
from tests.support.waiting import wait_until
from tests.support.worker import worker_database_url, worker_start, worker_stop

pytestmark = pytest.mark.skipif(
    not (shutil.which("espeak-ng") and shutil.which("lame")), reason="espeak-ng and lame: .ci/system-deps.sh"
)
# A Vietnamese voice at AUDIO_WORDS_PER_MINUTE (120) reads about 150 syllables ("words") a minute
# with its pauses: anything outside this range is silence, a wrong voice or a cut recording.
PLAUSIBLE_WPM = (80, 260)
AUDIO_TAG = re.compile(r'<audio controls preload="none" src="([^"]+)">')


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def step(title, text, tip="", narration=None):
    return {"type": "step", "value": {"title": title, "text": text, "tip": tip, "narration": narration}}


def decoded_seconds(path):
    """The MP3's duration, decoded (not the duration the service stored)."""
    wav = Path(path).with_suffix(".decoded.wav")
    subprocess.run(["lame", "--quiet", "--decode", str(path), str(wav)], check=True)
    with wave.open(str(wav)) as reader:
        return reader.getnframes() / reader.getframerate()


def assert_plausible(clip, text):
    seconds = decoded_seconds(default_storage.path(clip.file.name))
    assert abs(seconds - clip.duration_ms / 1000) < 0.5
    words = len(text.split())
    assert PLAUSIBLE_WPM[0] <= words / (seconds / 60) <= PLAUSIBLE_WPM[1], (words, seconds)
    # Mono 24 kbit/s: about 3 KB a second.
    assert clip.size_bytes == default_storage.size(clip.file.name)
    assert clip.size_bytes / seconds < 3_300


def audio_document(name, data):
    document = Document(title=name)
    document.file.save(name, ContentFile(data), save=False)
    document.save()
    return document


def demo_tutorial_draft(home_page):
    """The first demo tutorial, saved but not published (the admin's publishing narrates it)."""
    spec = TUTORIALS[0]
    index = TutorialIndexPage.objects.child_of(home_page).first() or tutorial_index_create(home_page)
    shot = demo_image_ensure(f"Minh họa: {spec['title']}", spec["accent"], description=spec["title"])
    tutorial = TutorialPage(
        title=spec["title"],
        slug=spec["slug"],
        summary=spec["summary"],
        public_service=demo_services_seed()[spec["service"]],
        body=spec["body"](shot),
    )
    index.add_child(instance=tutorial)
    tutorial.save_revision()
    return TutorialPage.objects.get(pk=tutorial.pk)


def audio_tasks_done():
    return TaskResult.objects.filter(task_name="courses.learning.audio_refresh", status="SUCCESS").count()


# What is read ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_step_is_read_with_its_tip_and_a_lesson_whole_without_its_quiz(home_page):
    index = tutorial_index_create(home_page)
    tutorial = tutorial_create(
        index,
        "Hướng dẫn",
        body=[
            {"type": "paragraph", "value": "<p>Giới thiệu.</p>"},
            step(
                "Mở trang",
                "<p>Vào <b>Cổng</b> &amp; chọn <a href='https://x.vn'>Đăng ký</a></p>",
                tip="Dùng số chính chủ",
            ),
        ],
    )
    texts = page_texts(tutorial)
    [(key, text)] = texts.items()
    assert key == tutorial.body[1].id
    assert text.splitlines() == ["Mở trang.", "Vào Cổng & chọn Đăng ký.", "Mẹo: Dùng số chính chủ."]

    course = course_create(
        home_page,
        lessons=[("Bài một", [{"type": "paragraph", "value": "<p>Nội dung bài.</p>"}, question("Câu hỏi kín?")])],
    )
    lesson = LessonPage.objects.child_of(course).get()
    assert page_texts(lesson) == {WHOLE_PAGE: "Bài một.\nNội dung bài."}
    # Other pages share the blocks (campaign pages their steps), not the narration.
    assert page_texts(index) == {}


# Recorded narration ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_recorded_narration_must_be_a_small_audio_file(home_page, media, settings):
    block = NarratedStepBlock()
    value = {"title": "Bước", "text": "<p>Làm.</p>", "tip": ""}
    mp3 = audio_document("doc.mp3", b"ID3\x04\x00" + b"\x00" * 200)
    assert block.clean(block.to_python({**value, "narration": mp3.pk}))["narration"] == mp3

    refused = [
        audio_document("ghi-chu.txt", b"ID3 not audio"),  # not an audio type
        audio_document("gia.mp3", b"%PDF-1.7 renamed"),  # an audio name, other bytes
    ]
    settings.AUDIO_UPLOAD_MAX_BYTES = 100
    refused.append(mp3)  # too big now
    for document in refused:
        with pytest.raises(ValidationError) as raised:
            block.clean(block.to_python({**value, "narration": document.pk}))
        assert "narration" in raised.value.block_errors

    course = course_create(home_page, lessons=[("Bài", [])])
    lesson = LessonPage.objects.child_of(course).get()
    lesson.narration = refused[0]
    with pytest.raises(ValidationError) as raised:
        lesson.full_clean()
    assert "narration" in raised.value.message_dict


@pytest.mark.django_db
def test_a_step_with_recorded_narration_plays_it_and_is_not_generated(client, home_page, media):
    recorded = audio_document("ban-ghi.mp3", b"ID3\x04\x00" + b"\x00" * 200)
    tutorial = tutorial_create(
        tutorial_index_create(home_page),
        "Hướng dẫn",
        body=[
            step("Bước một", "<p>Làm việc này.</p>", narration=recorded.pk),
            step("Bước hai", "<p>Rồi việc kia.</p>"),
        ],
    )
    assert page_audio_refresh(page_id=tutorial.pk) == {"made": 1, "kept": 0, "removed": 0}
    clip = AudioClip.objects.get(page=tutorial)
    assert clip.block_id == tutorial.body[1].id
    assert AUDIO_TAG.findall(client.get(tutorial.url).content.decode()) == [recorded.file.url, clip.file.url]


@pytest.mark.django_db
def test_refresh_keeps_unchanged_text_remakes_changed_and_forgets_removed(
    client, home_page, media, django_capture_on_commit_callbacks
):
    tutorial = tutorial_create(
        tutorial_index_create(home_page),
        "Hướng dẫn",
        body=[step("Bước một", "<p>Mở ứng dụng.</p>"), step("Bước hai", "<p>Bấm nút gửi.</p>")],
    )
    assert page_audio_refresh(page_id=tutorial.pk) == {"made": 2, "kept": 0, "removed": 0}
    first, second = (AudioClip.objects.get(block_id=block.id) for block in tutorial.body)
    assert page_audio_refresh(page_id=tutorial.pk) == {"made": 0, "kept": 2, "removed": 0}

    tutorial = TutorialPage.objects.get(pk=tutorial.pk)
    tutorial.body[0].value["text"] = RichText("<p>Mở ứng dụng VNeID.</p>")
    del tutorial.body[1]
    tutorial.save_revision().publish()
    with django_capture_on_commit_callbacks(execute=True):
        assert page_audio_refresh(page_id=tutorial.pk) == {"made": 1, "kept": 0, "removed": 1}
    remade = AudioClip.objects.get(page=tutorial)
    assert remade.pk == first.pk and remade.text_hash != first.text_hash
    assert not default_storage.exists(first.file.name) and not default_storage.exists(second.file.name)
    assert AUDIO_TAG.findall(client.get(tutorial.url).content.decode()) == [remade.file.url]


@pytest.mark.django_db
def test_a_lesson_offers_its_whole_narration_or_its_recording(client, home_page, media):
    course = course_create(
        home_page,
        lessons=[
            ("Bài một", [{"type": "paragraph", "value": "<p>Nội dung bài một.</p>"}]),
            ("Bài hai", [{"type": "paragraph", "value": "<p>Nội dung bài hai.</p>"}]),
        ],
    )
    first, second = LessonPage.objects.child_of(course).order_by("path")
    second.narration = audio_document("bai-hai.m4a", b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 100)
    second.save_revision().publish()
    for lesson in (first, second):
        page_audio_refresh(page_id=lesson.pk)
    clip = AudioClip.objects.get()
    assert (clip.page_id, clip.block_id) == (first.pk, WHOLE_PAGE)
    assert_plausible(clip, page_texts(first)[WHOLE_PAGE])
    assert AUDIO_TAG.findall(client.get(first.url).content.decode()) == [clip.file.url]
    assert AUDIO_TAG.findall(client.get(second.url).content.decode()) == [second.narration.file.url]


# The demo -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_tutorials_are_narrated_step_by_step(home_page, media):
    index = demo_tutorials_seed(home_page)
    tutorials = TutorialPage.objects.child_of(index)
    steps = [(page, block) for page in tutorials for block in page.body if block.block_type == "step"]
    assert len(steps) >= 15
    clips = {(clip.page_id, clip.block_id): clip for clip in AudioClip.objects.all()}
    assert set(clips) == {(page.pk, block.id) for page, block in steps}
    page, block = steps[0]
    assert_plausible(clips[(page.pk, block.id)], page_texts(page)[block.id])
    # Seeding again records nothing.
    hashes = {key: clip.file.name for key, clip in clips.items()}
    demo_tutorials_seed(home_page)
    assert {(c.page_id, c.block_id): c.file.name for c in AudioClip.objects.all()} == hashes


# Through the admin's publishing and a real worker ---------------------------------------------


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_publishing_narrates_through_the_worker_and_only_what_changed(client, home_page, media, tmp_path):
    from lms.celery import app  # the Celery app loads Django's settings: not at collection time

    queue = f"test-audio-{uuid.uuid4().hex[:8]}"
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    worker = worker_start(worker_database_url(connection.settings_dict), queue, {"MEDIA_ROOT": str(media)})
    try:
        tutorial = demo_tutorial_draft(home_page)
        client.force_login(UserFactory(superuser=True, is_staff=True))

        def publish(*, bulk=True):
            done = audio_tasks_done()
            if bulk:  # the admin's bulk "Publish"
                response = client.post(f"/admin/bulk/wagtailcore/page/publish/?id={tutorial.pk}", {})
                assert response.status_code == 302
            else:  # as scheduled publishing and a workflow's approval do: the revision alone, no admin hook
                with transaction.atomic():
                    TutorialPage.objects.get(pk=tutorial.pk).get_latest_revision().publish()
            assert wait_until(lambda: audio_tasks_done() > done, timeout=60)
            return {clip.block_id: clip for clip in AudioClip.objects.filter(page=tutorial)}

        clips = publish()
        texts = page_texts(TutorialPage.objects.get(pk=tutorial.pk))
        assert set(clips) == set(texts) and len(clips) == 4
        for key, clip in clips.items():
            assert_plausible(clip, texts[key])
        html = client.get(tutorial.url).content.decode()
        assert AUDIO_TAG.findall(html) == [clips[block.id].file.url for block in tutorial.body if block.id in clips]

        # Published again unchanged: the same files, nothing recorded.
        assert {key: clip.file.name for key, clip in publish().items()} == {k: c.file.name for k, c in clips.items()}

        # One step's text changed: that step alone is recorded again, the old file deleted.
        draft = TutorialPage.objects.get(pk=tutorial.pk)
        changed = next(block for block in draft.body if block.block_type == "step")
        changed.value["title"] = "Mở trang Cổng Dịch vụ công quốc gia trên điện thoại"
        draft.save_revision()
        after = publish(bulk=False)
        assert after[changed.id].file.name != clips[changed.id].file.name
        assert not default_storage.exists(clips[changed.id].file.name)
        assert {k: c.file.name for k, c in after.items() if k != changed.id} == {
            k: c.file.name for k, c in clips.items() if k != changed.id
        }
        assert_plausible(after[changed.id], page_texts(TutorialPage.objects.get(pk=tutorial.pk))[changed.id])
    finally:
        worker_stop(worker)
        app.conf.task_default_queue = previous_queue


# In a browser: no audio in the first load ------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_first_load_fetches_no_audio(live_server, home_page, media, browser):
    tutorial = tutorial_create(
        tutorial_index_create(home_page),
        "Hướng dẫn nghe",
        slug="huong-dan-nghe",
        body=[step("Bước một", "<p>Mở ứng dụng.</p>"), step("Bước hai", "<p>Bấm nút gửi.</p>")],
    )
    page_audio_refresh(page_id=tutorial.pk)
    context = browser.new_context()
    tab = context.new_page()
    requests, csp = [], []
    tab.on("request", lambda request: requests.append((request.resource_type, request.url)))
    tab.on("console", lambda message: csp.append(message.text) if "Content Security Policy" in message.text else None)
    tab.goto(f"{live_server.url}{tutorial.url}")
    tab.wait_for_load_state("networkidle")
    players = tab.locator("audio[controls]")
    assert players.count() == 2
    assert players.evaluate_all("nodes => nodes.map(n => n.preload)") == ["none", "none"]
    assert not [url for kind, url in requests if kind == "media" or url.endswith(".mp3")], requests
    # The watch sees audio when it is fetched: loading one player asks for its file.
    players.first.evaluate("node => { node.preload = 'auto'; node.load(); }")
    assert wait_until(lambda: [url for kind, url in requests if url.endswith(".mp3")], timeout=10)
    assert csp == []
    context.close()
