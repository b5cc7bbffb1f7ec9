"""The filesystem broker (core/broker.py): a worker polling the folder never finds a message half written."""

import os

from django.conf import settings
from kombu import Connection

from core import broker


def _connection(folder):
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder), "control_folder": str(folder)}
    return Connection("filesystem://", transport="core.broker:Transport", transport_options=options)


def test_a_message_appears_under_its_name_only_once_complete(tmp_path, monkeypatch):
    seen = []
    replace = os.replace

    def watched(source, target):
        # The moment before the rename: what a polling worker could find in the folder.
        seen.append(
            {
                "messages": sorted(name for name in os.listdir(tmp_path) if name.endswith(".kns-test.msg")),
                "partial": os.path.basename(source),
                "bytes": os.path.getsize(source),
            }
        )
        return replace(source, target)

    monkeypatch.setattr(broker.os, "replace", watched)
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue("kns-test")
        queue.put({"task": "x", "args": [1, 2]})
        assert len(seen) == 1
        assert seen[0]["messages"] == []  # nothing a worker would take yet
        assert seen[0]["partial"].startswith(".") and seen[0]["partial"].endswith(".kns-test.msg.part")
        assert seen[0]["bytes"] > 0
        assert [name for name in os.listdir(tmp_path) if name.endswith(".part")] == []
        message = queue.get(timeout=2)
        assert message.payload == {"task": "x", "args": [1, 2]}
        message.ack()
        queue.close()


def test_the_settings_choose_it_for_the_filesystem_broker():
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        assert settings.CELERY_BROKER_TRANSPORT == "core.broker:Transport"
    else:  # Redis: kombu's own transport
        assert not getattr(settings, "CELERY_BROKER_TRANSPORT", None)
