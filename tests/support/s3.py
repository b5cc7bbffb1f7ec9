"""A real S3-compatible server for the tests: moto's server mode (a Werkzeug HTTP server speaking the S3 API)
on a free port, in a thread of the test process (``ThreadedMotoServer``), and Django's default storage pointed at
it (``core.storage.ObjectStorage``, as ``lms/settings/storage.py`` configures it from the environment).

boto3 talks to it over HTTP with signed requests, exactly as to MinIO or a provider's S3; nothing is mocked in
the process. ``s3_media`` also points ``MEDIA_ROOT`` at an empty folder, so a test can check nothing was written
to local disk.
"""

import socket
import uuid

import pytest

ACCESS_KEY = "test-key"
SECRET_KEY = "test-secret"
REGION = "ap-southeast-1"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on a free port for the whole session: its endpoint URL."""
    from moto.server import ThreadedMotoServer  # only when a test asks for it (moto is a development tool)

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def s3_client(endpoint):
    import boto3  # the tests' own view of the bucket, beside django-storages

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )


def storage_options(endpoint, bucket):
    """The default storage as lms/settings/storage.py builds it for these environment values."""
    return {
        "BACKEND": "core.storage.ObjectStorage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "region_name": REGION,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "location": "",
            "addressing_style": "path",
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": False,
            "custom_domain": None,
            "use_ssl": False,
        },
    }


def storage_environment(endpoint, bucket):
    """The same, as the environment variables a web node or worker reads (.env.example)."""
    return {
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_S3_REGION_NAME": REGION,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_S3_USE_SSL": "false",
    }


def public_read_policy(bucket, prefixes):
    """The bucket policy of docs/deployment.md: anyone may read objects under ``prefixes``; nothing else, no listing."""
    import json

    resources = [f"arn:aws:s3:::{bucket}/{prefix}*" for prefix in prefixes]
    statement = {
        "Sid": "PublicMedia",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": resources,
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


class Bucket:
    def __init__(self, endpoint, name):
        self.endpoint, self.name = endpoint, name
        self.client = s3_client(endpoint)

    @property
    def keys(self):
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def read(self, key):
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture
def s3_bucket(s3_server):
    """A new, empty bucket on the server."""
    bucket = Bucket(s3_server, f"kns-{uuid.uuid4().hex[:12]}")
    bucket.client.create_bucket(Bucket=bucket.name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return bucket


@pytest.fixture
def s3_media(settings, tmp_path, s3_bucket):
    """Django's default storage on a fresh bucket (Django resets ``default_storage`` when STORAGES changes);
    ``MEDIA_ROOT`` an empty folder that must stay empty. Returns the bucket."""
    settings.STORAGES = {**settings.STORAGES, "default": storage_options(s3_bucket.endpoint, s3_bucket.name)}
    settings.MEDIA_ROOT = tmp_path / "media"
    s3_bucket.media_root = settings.MEDIA_ROOT
    return s3_bucket
