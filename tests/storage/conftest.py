"""Storage fixtures: a real S3-compatible server (moto) over HTTP on localhost, and both backends."""
from __future__ import annotations

import itertools

import pytest

from app.storage import LocalStorage, S3Storage, UrlSigner

ACCESS_KEY = "storyforge-test"
SECRET_KEY = "storyforge-test-secret"
_bucket_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def s3_endpoint():
    """The URL of a moto S3 server running in a thread for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def make_s3_storage(endpoint: str, bucket: str, **options) -> S3Storage:
    """An S3Storage that talks to the test server over HTTP, like production talks to S3."""
    return S3Storage(
        bucket,
        endpoint_url=endpoint,
        region="us-east-1",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        **options,
    )


@pytest.fixture
def s3_bucket(s3_endpoint):
    """A fresh, empty bucket on the test server (one per test, so tests cannot see each other's keys)."""
    name = f"storyforge-media-{next(_bucket_numbers)}"
    make_s3_storage(s3_endpoint, name).client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def make_s3(s3_endpoint, s3_bucket):
    """Build an S3Storage on the fresh bucket with extra options (cdn_base_url, url_ttl...)."""
    return lambda **options: make_s3_storage(s3_endpoint, s3_bucket, **options)


@pytest.fixture
def s3_settings(s3_endpoint, s3_bucket) -> dict:
    """The config keys that point storage_from_config at the test server and bucket."""
    return {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": s3_bucket,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": SECRET_KEY,
    }


@pytest.fixture
def s3_storage(make_s3) -> S3Storage:
    """S3Storage pointed at a fresh bucket, without a CDN (public URLs are presigned)."""
    return make_s3()


@pytest.fixture
def local_storage(tmp_path) -> LocalStorage:
    """LocalStorage under a temporary media root, signing private URLs."""
    return LocalStorage(tmp_path / "media", url_prefix="/media", signer=UrlSigner("local-test-secret"))


@pytest.fixture(params=["local", "s3"])
def storage(request):
    """Each backend in turn, so one contract suite proves both behave the same."""
    return request.getfixturevalue(f"{request.param}_storage")
