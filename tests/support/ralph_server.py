"""Ralph's LRS (``ralph runserver -b fs``) on the filesystem backend, as the tests run it: under
``.venv-ralph/bin/python`` (Ralph's own virtualenv), never imported by the site.

One change to Ralph, and only this: its filesystem data backend writes in ``CREATE`` mode by default,
which refuses to write to a file that exists, so ``ralph runserver -b fs`` stores the first POST and
answers every later one "500 Statements bulk indexation failed" (Ralph 5.1). Here it appends (its
own ``APPEND`` mode). Everything else (the API, validation, duplicates and 409, the queries) is
Ralph's. Started like ``ralph runserver`` does, through uvicorn, without its file-watching reloader.

Usage: ``python ralph_server.py --port 8100 --directory DIR`` with ``RALPH_AUTH_FILE`` set.
"""

import argparse
import os


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--directory", required=True)
    args = parser.parse_args()
    os.environ["RALPH_RUNSERVER_BACKEND"] = "fs"
    os.environ["RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH"] = args.directory
    os.environ["RALPH_BACKENDS__DATA__FS__DEFAULT_DIRECTORY_PATH"] = args.directory

    import uvicorn  # Ralph's virtualenv: imported once the environment names the backend
    from ralph.backends.data.base import BaseOperationType
    from ralph.backends.lrs.fs import FSLRSBackend

    FSLRSBackend.default_operation_type = BaseOperationType.APPEND
    uvicorn.run("ralph.api:app", host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
