"""`manage.py run` keeps the site up, and each instance has a Redis of its own (real processes, a few seconds each)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from redis import Redis
from rq import Queue, Worker

ROOT = Path(__file__).resolve().parents[2]
#: what the test process has that must not leak into an instance started "from a clean shell"
_SERVICE_VARIABLES = ("REDIS_URL", "DATABASE_URL", "TEST_DATABASE_URL", "EMBEDDED_REDIS_PORT", "STORYFORGE_ENV",
                      "INSTANCE_DIR", "MEDIA_ROOT", "WORK_DIR")


#: these start the embedded Redis on purpose; the pass against a Redis server (REDIS_URL set) need not repeat them
embedded_pass_only = pytest.mark.skipif(
    bool(os.environ.get("REDIS_URL")),
    reason="supervision and the embedded Redis are checked in the pass without REDIS_URL (they ignore it anyway)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _instance_env(instance: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _SERVICE_VARIABLES}
    return {**env, "INSTANCE_DIR": str(instance), "SECRET_KEY": "instance-test", "FLASK_APP": "wsgi.py",
            "PYTHONUNBUFFERED": "1", **extra}


class Output:
    """A process's output lines, collected as they come."""

    def __init__(self, proc: subprocess.Popen):
        self.lines: list[str] = []
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float, after: int = 0) -> tuple[int, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index, line in enumerate(self.lines[after:], start=after):
                if text in line:
                    return index, line
            time.sleep(0.05)
        raise AssertionError(f"no line with {text!r} within {timeout} s; output:\n" + "\n".join(self.lines[-40:]))


def _start(args: list[str], env: dict) -> tuple[subprocess.Popen, Output]:
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    return proc, Output(proc)


def _end(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> int:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            return proc.wait(40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            return proc.wait()
    return proc.returncode


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _redis_of(instance: Path) -> Redis:
    return Redis(unix_socket_path=str(instance / "redis" / "redis.sock"))


@pytest.mark.slow
@embedded_pass_only
def test_run_restarts_a_crashed_worker_and_the_site_stays_up(tmp_path):
    """kill -9 of the worker under `manage.py run`: a log line, a new worker on the instance's own Redis, pages
    still served; Ctrl-C then stops every process, the instance's Redis included."""
    instance, port = tmp_path / "instance", _free_port()
    proc, out = _start([sys.executable, "manage.py", "run"],
                       _instance_env(instance, PORT=str(port), SEED_DEMO="0", WEB_WORKERS="1", WEB_THREADS="2"))
    try:
        out.wait_for("StoryForge is running on", 120)
        _, line = out.wait_for("• worker started (pid ", 5)
        first = int(line.split("pid ")[1].rstrip(")"))
        redis = _redis_of(instance)
        wait = time.monotonic() + 30
        while not any(w.pid == first for w in Worker.all(connection=redis)) and time.monotonic() < wait:
            time.sleep(0.1)
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200

        os.kill(first, signal.SIGKILL)
        at, crashed = out.wait_for(f"• worker (pid {first}) exited with code -9; restarting it in 1 s", 10)
        _, line = out.wait_for("• worker started (pid ", 10, after=at)
        second = int(line.split("pid ")[1].rstrip(")"))
        wait = time.monotonic() + 30
        while not any(w.pid == second for w in Worker.all(connection=redis)) and time.monotonic() < wait:
            time.sleep(0.1)
        assert any(w.pid == second for w in Worker.all(connection=redis)), "the new worker never reached Redis"
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
        redis_pid = int((instance / "redis" / "redis.pid").read_text())
    finally:
        code = _end(proc, signal.SIGINT)
    assert code == 0, "\n".join(out.lines[-30:])
    time.sleep(0.5)
    assert not _alive(second) and not _alive(redis_pid)


def test_a_crash_loop_stops_the_site_with_a_reason(tmp_path):
    """A child that keeps dying is restarted with growing pauses, then the supervisor gives up and says why."""
    sys.path.insert(0, str(ROOT))
    import manage

    child = manage.Child("worker", ["-c", "import sys; sys.exit(3)"], {**os.environ})
    child.start()
    now, lines = 0.0, []
    while True:
        child.proc.wait()
        if not child.check(now):
            break
        lines.append(child.restart_at - now)
        now = child.restart_at
        child.check(now)  # restarts it
    assert lines == [1, 2, 4, 8, 16]


@pytest.mark.slow
@embedded_pass_only
def test_two_instances_on_one_machine_have_their_own_redis_and_queues(tmp_path):
    """Two checkouts' `flask redis` each start a server in their own instance folder, so a job queued by one is
    never seen by the other; a server that keeps another instance's data is refused, not shared."""
    a, b = tmp_path / "a" / "instance", tmp_path / "b" / "instance"
    started = [_start([sys.executable, "-m", "flask", "redis"], _instance_env(folder)) for folder in (a, b)]
    try:
        urls = [out.wait_for("Embedded Redis ready at ", 30)[1].split(" at ")[1] for _, out in started]
        assert urls == [f"unix://{a}/redis/redis.sock?db=0", f"unix://{b}/redis/redis.sock?db=0"]
        ra, rb = _redis_of(a), _redis_of(b)
        assert ra.config_get("dir")["dir"] == str(a / "redis") and rb.config_get("dir")["dir"] == str(b / "redis")
        Queue("generate", connection=ra).enqueue_call("jobs.generate.generate_segment", args=(1,))
        assert (Queue("generate", connection=ra).count, Queue("generate", connection=rb).count) == (1, 0)

        port = _free_port()  # the old way: both told to use one TCP port
        first, first_out = _start([sys.executable, "-m", "flask", "redis"], _instance_env(a.parent / "tcp", EMBEDDED_REDIS_PORT=str(port)))
        try:
            first_out.wait_for("Embedded Redis ready at redis://127.0.0.1:", 30)
            second = subprocess.run([sys.executable, "-m", "flask", "redis"], cwd=ROOT, capture_output=True, text=True,
                                    env=_instance_env(b.parent / "tcp", EMBEDDED_REDIS_PORT=str(port)), timeout=60)
        finally:
            _end(first)
        assert second.returncode == 1
        assert "a Redis that is not this instance's answers on 127.0.0.1" in second.stderr
    finally:
        for proc, _ in started:
            _end(proc)
