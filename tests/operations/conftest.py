"""The heavy operations suites (a real Prometheus, the restore drill, the deploy validators) run when
STORYFORGE_OPS_SUITES=1 (CI sets it on its PostgreSQL pass only); otherwise they are skipped, saying so."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.storage.conftest import s3_bucket, s3_endpoint  # noqa: F401  (fixtures for the S3 backups)

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def pytest_collection_modifyitems(config, items):
    if os.environ.get("STORYFORGE_OPS_SUITES") == "1":
        return
    skip = pytest.mark.skip(reason="operations suite: set STORYFORGE_OPS_SUITES=1 to run it (CI does, once)")
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(skip)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def need(tool: str) -> str:
    path = shutil.which(tool) or (str(Path(sys.executable).parent / tool)
                                  if (Path(sys.executable).parent / tool).exists() else None)
    if path is None:
        pytest.fail(f"{tool} is not installed (.ci/run installs it)")
    return path


def wait_for_http(url: str, timeout: float = 60.0, **kw) -> requests.Response:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            response = requests.get(url, timeout=2, **kw)
            if response.status_code == 200:
                return response
            last = response.status_code
        except requests.RequestException as exc:
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer 200 within {timeout} s (last: {last})")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
