#!/usr/bin/env python3
"""StoryForge's two commands, for a machine that has only Python 3.11+.

    python3 manage.py run    # web + worker + embedded Redis on http://127.0.0.1:5000, each restarted if it dies
    python3 manage.py test   # install the dev requirements and run the test suite

Both create ./.venv and install the pinned requirements on first use.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PY = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _with_includes(files: list[str]) -> list[str]:
    """``files`` and every requirements file they include with ``-r``, in order."""
    found: list[str] = []
    for name in files:
        if name in found:
            continue
        found.append(name)
        for line in (ROOT / name).read_text().splitlines():
            if line.startswith("-r "):
                found += [n for n in _with_includes([line[3:].strip()]) if n not in found]
    return found


def _requirements_digest(files: list[str]) -> str:
    digest = hashlib.sha256()
    for name in _with_includes(files):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def _marker(requirements: list[str]) -> Path:
    return VENV / f".installed-{'-'.join(Path(r).stem for r in requirements)}"


def ensure_venv(requirements: list[str]) -> None:
    """Create .venv and install requirements when they changed since the last install (an up-to-date
    install of the dev requirements, which include the runtime ones, will do for ``run`` too)."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file may be started by an older python3
        sys.exit("StoryForge needs Python 3.11 or newer.")
    if not VENV_PY.exists():
        print("• creating virtualenv in .venv", flush=True)
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])
    for installed in (requirements, ["requirements-dev.txt"]):
        marker = _marker(installed)
        if marker.exists() and marker.read_text() == _requirements_digest(installed):
            return
    print("• installing requirements (first run takes a minute)", flush=True)
    subprocess.check_call([str(VENV_PY), "-m", "pip", "install", "-q", "--upgrade", "pip"])
    args = [str(VENV_PY), "-m", "pip", "install", "-q"]
    for req in requirements:
        args += ["-r", str(ROOT / req)]
    subprocess.check_call(args)
    _marker(requirements).write_text(_requirements_digest(requirements))


def in_venv(*args: str, env: dict | None = None, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([str(VENV_PY), *args], cwd=ROOT, env=env, **kwargs)


def flask(*args: str, env: dict) -> None:
    subprocess.check_call([str(VENV_PY), "-m", "flask", *args], cwd=ROOT, env=env)


def vendor_assets(env: dict) -> None:
    """Install front-end packages when npm exists: hls.js for the player (the pages fall back without it)
    and axe-core, which the browser tests inject to check accessibility."""
    if not (ROOT / "package.json").exists():
        return
    npm = "npm.cmd" if os.name == "nt" else "npm"
    bundle = ROOT / "node_modules/hls.js/dist/hls.min.js"
    if not (bundle.exists() and (ROOT / "node_modules/axe-core/axe.min.js").exists()):
        try:
            subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent"], cwd=ROOT, check=True, env=env)
        except (OSError, subprocess.CalledProcessError):
            print("• npm is not available; the player uses its fallbacks", flush=True)
            return
    vendor = ROOT / "static/vendor"
    vendor.mkdir(exist_ok=True)
    shutil.copyfile(bundle, vendor / "hls.min.js")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


#: a child that dies more than CRASH_LIMIT times within CRASH_WINDOW seconds is in a crash loop
CRASH_LIMIT = 5
CRASH_WINDOW = 60.0
BACKOFF_MAX = 30.0


class Child:
    """One supervised process of the site: started again with backoff whenever it dies."""

    def __init__(self, name: str, args: list[str], env: dict, *, ready_text: str | None = None):
        self.name = name
        self.args = args
        self.env = env
        #: a line the process prints once it can serve; its output is then relayed line by line
        self.ready_text = ready_text
        self.ready = threading.Event()
        self.proc: subprocess.Popen | None = None
        self.crashes: deque[float] = deque()
        self.restart_at: float | None = None

    def start(self) -> None:
        self.ready.clear()
        if self.ready_text is None:
            self.proc = in_venv(*self.args, env=self.env)
            self.ready.set()
        else:
            self.proc = in_venv(*self.args, env=self.env, stdout=subprocess.PIPE, text=True, bufsize=1)
            threading.Thread(target=self._relay, args=(self.proc,), daemon=True).start()
        print(f"• {self.name} started (pid {self.proc.pid})", flush=True)

    def _relay(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            print(line, end="", flush=True)
            if self.ready_text in line:
                self.ready.set()

    def check(self, now: float) -> bool:
        """Restart the child when it died (after a backoff); False when it is in a crash loop."""
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.restart_at = None
                self.start()
            return True
        if self.proc is None or self.proc.poll() is None:
            return True
        self.crashes.append(now)
        while self.crashes and now - self.crashes[0] > CRASH_WINDOW:
            self.crashes.popleft()
        if len(self.crashes) > CRASH_LIMIT:
            print(f"• {self.name} exited {len(self.crashes)} times within {CRASH_WINDOW:g} s (last code "
                  f"{self.proc.returncode}); it is crash-looping, so the site stops. Its output above says why.",
                  flush=True)
            return False
        delay = min(BACKOFF_MAX, 2.0 ** (len(self.crashes) - 1))
        print(f"• {self.name} (pid {self.proc.pid}) exited with code {self.proc.returncode}; "
              f"restarting it in {delay:g} s", flush=True)
        self.restart_at = now + delay
        return True


def supervise(children: list[Child], poll: float = 0.2) -> int:
    """Keep the children running until a crash loop (returns 1); Ctrl-C or SIGTERM ends it from outside."""
    while True:
        now = time.monotonic()
        for child in children:
            if not child.check(now):
                return 1
        time.sleep(poll)


def run() -> int:
    # Explicit handlers: a shell that starts us in the background would otherwise leave SIGINT ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    ensure_venv(["requirements.txt"])
    env = {**os.environ, "FLASK_APP": "wsgi.py", "PYTHONUNBUFFERED": "1"}
    env["PROMETHEUS_MULTIPROC_DIR"] = fresh_metrics_dir(env)  # web and worker write there; /metrics adds them up
    port = env.get("PORT", "5000")
    vendor_assets(env)
    children: list[Child] = []
    redis = None
    try:
        if not env.get("REDIS_URL"):  # the instance's own Redis, on a socket under instance/ (see config.py)
            redis = Child("redis", ["-m", "flask", "redis"], env, ready_text="Embedded Redis ready at")
            redis.start()
            _wait_until_ready(redis)
        flask("db", "upgrade", env=env)
        if env.get("SEED_DEMO", "1") != "0":
            flask("seed", "--demo", "--if-empty", env=env)  # a fresh site gets demo scenes; the worker renders them
        children.append(Child("worker", ["-m", "flask", "worker"], env))
        # gunicorn.conf.py sizes the server; here it only listens locally, runs two processes (not two a core:
        # each loads the prompt-reading pipeline) and stops quickly on Ctrl-C
        web_env = {**env, "BIND": f"127.0.0.1:{port}", "WEB_WORKERS": env.get("WEB_WORKERS", "2"),
                   "WEB_GRACEFUL_TIMEOUT": env.get("WEB_GRACEFUL_TIMEOUT", "5")}
        children.append(Child("web", ["-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], web_env))
        for child in children:
            child.start()
        print(f"\n  StoryForge is running on http://127.0.0.1:{port}  (Ctrl-C stops everything)\n", flush=True)
        return supervise([*([redis] if redis else []), *children])
    except KeyboardInterrupt:
        print("\n• stopping", flush=True)
        return 0
    finally:
        # web and worker first, so the worker can finish talking to Redis
        _stop_all([c.proc for c in children if c.proc is not None])
        if redis is not None and redis.proc is not None:
            _stop_all([redis.proc])


def fresh_metrics_dir(env: dict) -> str:
    """The folder the processes of this run keep their metrics in, emptied of an earlier run's."""
    folder = Path(env.get("PROMETHEUS_MULTIPROC_DIR") or Path(env.get("INSTANCE_DIR") or ROOT / "instance") / "metrics")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.db"):
        old.unlink()
    return str(folder)


def _wait_until_ready(child: Child, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not child.ready.wait(0.1):
        if child.proc.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"the embedded Redis did not start (exit code {child.proc.poll()}); see instance/redis/redis.log")


def _stop_all(children: list[subprocess.Popen]) -> None:
    """SIGTERM all of them at once, then wait; whatever hangs is killed."""
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def test(extra: list[str]) -> int:
    ensure_venv(["requirements-dev.txt"])
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    vendor_assets(env)
    return subprocess.call([str(VENV_PY), "-m", "pytest", *extra], cwd=ROOT, env=env)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "help"
    if command == "run":
        return run()
    if command == "test":
        return test(argv[2:])
    print(__doc__)
    return 0 if command in {"help", "-h", "--help"} else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
