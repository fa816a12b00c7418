#!/usr/bin/env python3
"""StoryForge's two commands, for a machine that has only Python 3.11+.

    python3 manage.py run    # web + worker + embedded Redis on http://127.0.0.1:5000
    python3 manage.py test   # install the dev requirements and run the test suite

Both create ./.venv and install the pinned requirements on first use.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PY = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _requirements_digest(files: list[str]) -> str:
    digest = hashlib.sha256()
    for name in files:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_venv(requirements: list[str]) -> None:
    """Create .venv and install requirements when they changed since the last install."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file may be started by an older python3
        sys.exit("StoryForge needs Python 3.11 or newer.")
    if not VENV_PY.exists():
        print("• creating virtualenv in .venv", flush=True)
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])
    marker = VENV / f".installed-{'-'.join(Path(r).stem for r in requirements)}"
    wanted = _requirements_digest(requirements)
    if marker.exists() and marker.read_text() == wanted:
        return
    print("• installing requirements (first run takes a minute)", flush=True)
    subprocess.check_call([str(VENV_PY), "-m", "pip", "install", "-q", "--upgrade", "pip"])
    args = [str(VENV_PY), "-m", "pip", "install", "-q"]
    for req in requirements:
        args += ["-r", str(ROOT / req)]
    subprocess.check_call(args)
    marker.write_text(wanted)


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


def run() -> int:
    # Explicit handlers: a shell that starts us in the background would otherwise leave SIGINT ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    ensure_venv(["requirements.txt"])
    env = {**os.environ, "FLASK_APP": "wsgi.py", "PYTHONUNBUFFERED": "1"}
    port = env.get("PORT", "5000")
    vendor_assets(env)
    children: list[subprocess.Popen] = []
    redis_proc = None
    try:
        if not env.get("REDIS_URL") and not _redis_answers(env):
            redis_proc = in_venv("-m", "flask", "redis", env=env)
            _wait_for_redis(env)
        flask("db", "upgrade", env=env)
        flask("seed", "--demo", "--if-empty", env=env)  # a fresh site gets demo scenes; the worker renders them
        children.append(in_venv("-m", "flask", "worker", env=env))
        # gunicorn.conf.py sizes the server; here it only listens locally and stops quickly on Ctrl-C
        web_env = {**env, "BIND": f"127.0.0.1:{port}", "WEB_GRACEFUL_TIMEOUT": env.get("WEB_GRACEFUL_TIMEOUT", "5")}
        children.append(in_venv("-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app", env=web_env))
        print(f"\n  StoryForge is running on http://127.0.0.1:{port}  (Ctrl-C stops everything)\n", flush=True)
        while all(child.poll() is None for child in [*children, *([redis_proc] if redis_proc else [])]):
            time.sleep(0.5)
        print("• a process stopped; shutting down", flush=True)
        return 1
    except KeyboardInterrupt:
        print("\n• stopping", flush=True)
        return 0
    finally:
        _stop_all(children)  # web and worker first, so the worker can finish talking to Redis
        if redis_proc is not None:
            _stop_all([redis_proc])


def _redis_answers(env: dict) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", int(env.get("EMBEDDED_REDIS_PORT", "6390")))) == 0


def _wait_for_redis(env: dict, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _redis_answers(env):
            return
        time.sleep(0.1)
    sys.exit("embedded Redis did not start; see instance/redis/redis.log")


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
