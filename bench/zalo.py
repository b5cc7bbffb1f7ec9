"""The Zalo send rate through the ZNS stub beside the SMS rate through the SMS gateway stub, in one run.

Usage: ``python bench/zalo.py [--messages 2000] [--not-on-zalo 0.1] [--database-url URL] [--json]``.
SQLite in a temporary folder by default; a PostgreSQL URL must name a database containing "bench"
(it is created again, and dropped at the end).

1. Starts the two stubs (``tests/support/zalo_stub.py``, ``tests/support/sms_gateway.py``) as their
   own processes on 127.0.0.1, migrates a throwaway database (production settings, random key).
2. A child process creates ``--messages`` people (a mobile number each), then plans one training
   message per person on SMS and one on Zalo through delivery's ``Outbox`` (the planners' path,
   text and template values included); ``--not-on-zalo`` of the numbers are unknown to the Zalo stub.
3. Sends, in batches of 500 like the tasks (``deliveries_send`` in this process: no broker, the
   shared rate limit set to 0, no limit; no quiet hours): first the SMS rows, then the Zalo rows
   (each number not on Zalo writes its SMS fallback in the same transaction), then those fallback
   SMS. Prints messages per second for each, and checks that each row ended once (sent, or fallen
   back with exactly one SMS).
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import PYTHON, ROOT, BenchError, database_recreate, in_process_env, log, manage, run_main

BATCH = 500
TOKEN = "bench-token"  # noqa: S105 (the stub's, on loopback)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def child_stub(kind, port, not_on_zalo_path):
    sys.path.insert(0, str(ROOT))
    if kind == "zalo":
        from tests.support.zalo_stub import ZaloBehaviour, zalo_server

        numbers = set(Path(not_on_zalo_path).read_text().split())
        server = zalo_server(ZaloBehaviour(token=TOKEN, not_on_zalo=numbers), port)
    else:
        from tests.support.sms_gateway import GatewayBehaviour, gateway_server

        server = gateway_server(GatewayBehaviour(refused_prefix="0000"), port)
    server.serve_forever()


def phones(count):
    return [f"0913{number:06d}" for number in range(count)]


def child_measure(count):
    import datetime

    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from outreach.delivery.kinds import Kind, KindFamily, family_register
    from outreach.delivery.outbox import Person, outbox_open
    from outreach.delivery.sending import deliveries_send
    from outreach.models import Delivery, ReminderSetting

    # A kind of its own with no "still wanted?" re-check (a reminder's would cancel rows with no assignment),
    # and the reminders' Zalo template.
    family_register(KindFamily(name="bench", order=99, kinds=(Kind("bench_notice", "Bench"),)))
    settings.ZALO_TEMPLATES["bench_notice"] = settings.ZALO_TEMPLATES["training_due_soon"]
    config = ReminderSetting.load()
    config.quiet_hours_start = config.quiet_hours_end = datetime.time(0, 0)
    config.save()
    numbers = phones(count)
    User.objects.bulk_create(
        [User(phone=phone, full_name=f"Người {index}") for index, phone in enumerate(numbers)],
        batch_size=2000,
    )
    people = list(User.objects.filter(phone__in=numbers).order_by("pk").values_list("pk", "full_name", "phone"))
    now = timezone.now()
    outbox = outbox_open(now=now)
    started = time.monotonic()
    with transaction.atomic():
        for pk, name, phone in people:
            person = Person(pk, name, None, phone, "vi", False, True, False, True)
            values = {"name": name, "course": "An toàn thông tin", "due_date": "12/12/2026", "days": 7}
            values["link"] = "https://kynangso.example.vn/learn/training/"
            outbox.add(
                person=person,
                kind="bench_notice",
                channels=["sms", "zalo"],
                # Two messages (series "s" by SMS, "z" by Zalo): the Zalo one's fallback is an SMS of its own.
                key=lambda channel, pk=pk: f"bench_notice:{pk}:{channel[0]}:{channel}",
                texts=lambda channel, name=name: ("Nhắc học", f"Chào {name}, hạn 12/12/2026: kynangso.example.vn/l"),
                values=values,
            )
            outbox.flush_if_full()
        outbox.flush()
    plan_seconds = time.monotonic() - started
    # Queued (as the planning pass marks them): a batch adopts no unqueued row of the other channel.
    Delivery.objects.update(queued_at=now)

    def send(channel, query):
        ids = list(query.filter(channel=channel, status="planned").order_by("pk").values_list("pk", flat=True))
        began = time.monotonic()
        for start in range(0, len(ids), BATCH):
            deliveries_send(ids=ids[start : start + BATCH])
        return len(ids), time.monotonic() - began

    rows = Delivery.objects.all()
    sms_count, sms_seconds = send("sms", rows.filter(context__fallback_of__isnull=True))
    zalo_count, zalo_seconds = send("zalo", rows)
    fallback_count, fallback_seconds = send("sms", rows.filter(context__fallback_of__isnull=False))
    counted = rows.values_list("channel", "status").annotate(n=django.db.models.Count("pk"))
    statuses = {
        f"{channel}:{status}": total for channel, status, total in counted.values_list("channel", "status", "n")
    }
    print(
        json.dumps(
            {
                "plan_seconds": plan_seconds,
                "sms": [sms_count, sms_seconds],
                "zalo": [zalo_count, zalo_seconds],
                "fallback": [fallback_count, fallback_seconds],
                "statuses": statuses,
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--not-on-zalo", type=float, default=0.1)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=["stub-zalo", "stub-sms", "measure"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--numbers", default="")
    args = parser.parse_args()
    if args.child == "measure":
        return child_measure(args.messages)
    if args.child:
        return child_stub(args.child.removeprefix("stub-"), args.port, args.numbers)

    tmp = Path(tempfile.mkdtemp(prefix="bench-zalo-"))
    database_url = args.database_url or f"sqlite:///{tmp / 'bench-zalo.sqlite3'}"
    if database_url.startswith("postgres"):
        database_recreate(database_url)
    every = max(1, round(1 / args.not_on_zalo)) if args.not_on_zalo else 0
    unknown = ["84" + phone[1:] for index, phone in enumerate(phones(args.messages)) if every and index % every == 0]
    (tmp / "not-on-zalo.txt").write_text("\n".join(unknown))
    zalo_port, sms_port = free_port(), free_port()
    stubs = [
        subprocess.Popen(
            [
                PYTHON,
                __file__,
                "--child",
                f"stub-{kind}",
                "--port",
                str(port),
                "--numbers",
                str(tmp / "not-on-zalo.txt"),
            ]
        )
        for kind, port in (("zalo", zalo_port), ("sms", sms_port))
    ]
    env = {
        **in_process_env(tmp, database_url),
        "SMS_BACKEND": "outreach.delivery.channels.HttpGatewaySmsBackend",
        "SMS_GATEWAY_URL": f"http://127.0.0.1:{sms_port}/sms",
        "ZALO_BACKEND": "outreach.delivery.zalo.channel.HttpZaloBackend",
        "ZALO_API_URL": f"http://127.0.0.1:{zalo_port}/message/template",
        "ZALO_ACCESS_TOKEN": TOKEN,
        "DELIVERY_RATE_LIMIT_SMS": "0",
        "DELIVERY_RATE_LIMIT_ZALO": "0",
    }
    try:
        log(f"migrating {database_url}")
        manage(["migrate", "--no-input"], env, tmp / "migrate.log")
        log(f"planning and sending {args.messages} SMS and {args.messages} Zalo messages")
        done = subprocess.run(
            [PYTHON, __file__, "--child", "measure", "--messages", str(args.messages)],
            env={**env, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if done.returncode:
            raise BenchError(done.stderr[-3000:])
        result = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        for stub in stubs:
            stub.terminate()
            stub.wait(timeout=10)
        if database_url.startswith("postgres"):
            database_recreate(database_url, drop_only=True)
    expected = {
        "sms:sent": args.messages + len(unknown),
        "zalo:sent": args.messages - len(unknown),
        "zalo:cancelled": len(unknown),
    }
    if result["statuses"] != expected:
        raise BenchError(f"not exactly once: {result['statuses']} != {expected}")
    if args.json:
        print(json.dumps(result))
        return None
    print("| channel | messages | seconds | messages/s |\n|---|---|---|---|")
    for label, name in (("SMS (gateway stub)", "sms"), ("Zalo (ZNS stub)", "zalo"), ("SMS fallback", "fallback")):
        count, seconds = result[name]
        print(f"| {label} | {count} | {seconds:.1f} | {count / seconds:.0f} |")
    print(f"\nplanned {2 * args.messages} rows in {result['plan_seconds']:.1f} s; statuses {result['statuses']}")
    return None


if __name__ == "__main__":
    os.chdir(ROOT)
    run_main(main)
