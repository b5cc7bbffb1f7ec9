"""Celery's filesystem broker (development and tests without Redis), with its one race closed.

kombu's filesystem transport writes a message by creating ``<time>_<uuid>.<queue>.msg`` and only then
writing into it. A worker polling the folder in between moves the still empty file and fails on it
(``JSONDecodeError``: an "unrecoverable error" that stops the worker, after which ``make run``'s honcho
stops the whole site; kombu issue #1551). It happens when beat sends a task at the moment a worker polls:
a fresh ``make run`` died this way after eight minutes. Here a message is written under a name no worker
picks up (``.<name>.part``) and renamed into place once complete: a rename within a folder is atomic, so
a worker sees a whole message or none. Selected by ``CELERY_BROKER_TRANSPORT`` (lms/settings/base.py).
"""

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    # kombu's own two signatures disagree (the abstract channel's "message", the filesystem's "payload").
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Put ``payload`` onto ``queue``: written aside, then renamed to the name workers look for."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".{name}.part")
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
