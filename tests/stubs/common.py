"""What every stub shares: a threaded werkzeug server, a request log, scripted and
seeded-random transient failures, and a tiny real MP4 served behind expiring links."""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import secrets
import subprocess
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import imageio_ffmpeg
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

_clip_lock = threading.Lock()


def sample_clip(seconds: float = 5) -> bytes:
    """A real H.264 MP4 (320x180, 24 fps, ffmpeg's test pattern) of ``seconds``, made once
    with the imageio-ffmpeg binary and cached in the temp folder."""
    path = Path(tempfile.gettempdir()) / f"storyforge-stub-clip-{seconds:g}s.mp4"
    with _clip_lock:
        if not path.exists():
            part = path.with_name(f"{path.name}.{os.getpid()}.part")
            subprocess.run(
                [
                    imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error",
                    "-f", "lavfi", "-i", f"testsrc=size=320x180:rate=24:duration={seconds}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                    "-movflags", "+faststart", "-f", "mp4", str(part),
                ],
                check=True,
            )
            os.replace(part, path)
        return path.read_bytes()


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers, mimetype="application/json")


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


@dataclass
class RecordedRequest:
    """One request as the stub received it."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any
    status: int = 0


@dataclass
class _Output:
    clip_seconds: int
    expires_at: float | None
    task_id: str


@dataclass
class _ScriptedFailure:
    status: int
    retry_after: str | None
    path_prefix: str


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Tests run thousands of requests; one log line each would drown the output."""


@dataclass
class StubSettings:
    """Knobs every stub shares; each test gets fresh ones via ``reset()``."""

    #: fraction (0..1) of API calls answered with a transient failure, drawn from a seeded RNG
    flaky_rate: float = 0.0
    #: what a random failure looks like: an HTTP status, or "throttled" where the stub supports it
    flaky_kinds: tuple[int | str, ...] = (429, 503)
    #: the Retry-After header sent with 429s and 503s (seconds, or an HTTP date; "" or None: none)
    retry_after: str | None = "1"
    #: output links stop working this many seconds after they are issued (None: never)
    output_ttl: float | None = None
    #: asking for a finished task again issues a fresh output link
    refresh_outputs: bool = True
    #: the first ``slow_downloads`` downloads of each task's output trickle out over this many seconds,
    #: and stop short when their link expires on the way (as a storage service's signed URL does)
    download_seconds: float = 0.0
    slow_downloads: int = 0
    #: outputs last this many seconds instead of the requested duration (e.g. a 0.2 s clip)
    output_seconds: float | None = None
    #: outputs are bytes no video tool can read
    corrupt_outputs: bool = False
    seed: int = 1234


class StubServer:
    """A WSGI app on a real socket (127.0.0.1, port 0 = any free port) in a daemon thread.

    Subclasses provide ``url_map`` (werkzeug rules whose endpoints name methods) and may
    override ``check_auth``. Every answer is recorded in ``requests``.
    """

    url_map: Map = Map()
    settings_class: type[StubSettings] = StubSettings

    def __init__(self, *, api_key: str | None = "test-key", host: str = "127.0.0.1", port: int = 0):
        self.api_key = api_key
        self.host = host
        self.port = port
        self.lock = threading.RLock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.reset()

    # -- lifecycle -------------------------------------------------------------------

    def _bind(self) -> BaseWSGIServer:
        self._server = make_server(self.host, self.port, self.wsgi_app, threaded=True, request_handler=_QuietHandler)
        self.port = self._server.server_port
        return self._server

    def start(self) -> Self:
        """Serve from a daemon thread; ``url`` is valid once this returns."""
        server = self._bind()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def serve_forever(self, banner: str) -> None:
        """Print ``banner`` and the URL, then serve in the calling thread (the command-line mode)."""
        server = self._bind()
        print(f"{banner} listening on {self.url}", flush=True)
        server.serve_forever()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def reset(self) -> None:
        """Forget all tasks, logs and scripted behaviour (settings back to defaults)."""
        with self.lock:
            self.settings = self.settings_class()
            self.rng = random.Random(self.settings.seed)
            self.requests: list[RecordedRequest] = []
            self.creations: Counter[tuple[str, Any]] = Counter()
            self.downloads = 0
            #: downloads of each task's output that were sent whole
            self.completed_downloads: Counter[str] = Counter()
            self._download_attempts: Counter[str] = Counter()
            self._failures: deque[_ScriptedFailure] = deque()
            self._stalls: deque[tuple[float, str]] = deque()
            self._cut_downloads = 0
            self._outputs: dict[str, _Output] = {}

    def configure(self, **settings: Any) -> None:
        """Change settings, e.g. ``stub.configure(flaky_rate=0.3, seed=7)``; a new seed restarts the RNG."""
        with self.lock:
            for name, value in settings.items():
                if not hasattr(self.settings, name):
                    raise AttributeError(f"unknown stub setting {name!r}")
                setattr(self.settings, name, value)
            if "seed" in settings:
                self.rng = random.Random(self.settings.seed)

    # -- scripting -------------------------------------------------------------------

    def fail_next(self, status: int, count: int = 1, *, retry_after: str | None = None, path: str = "") -> None:
        """Answer the next ``count`` calls (whose path starts with ``path``) with ``status``.
        ``retry_after`` overrides the default Retry-After header; "" sends none."""
        with self.lock:
            self._failures.extend(_ScriptedFailure(status, retry_after, path) for _ in range(count))

    def stall_next(self, seconds: float, count: int = 1, *, path: str = "") -> None:
        """Hold the next ``count`` calls (whose path starts with ``path``) for ``seconds``
        before handling them, to provoke client read timeouts."""
        with self.lock:
            self._stalls.extend((seconds, path) for _ in range(count))

    def _take_stall(self, request: Request) -> float:
        with self.lock:
            for index, (seconds, path) in enumerate(self._stalls):
                if request.path.startswith(path):
                    del self._stalls[index]
                    return seconds
        return 0.0

    def cut_next_downloads(self, count: int = 1) -> None:
        """Break off the next ``count`` output downloads halfway (the full Content-Length is announced)."""
        with self.lock:
            self._cut_downloads += count

    def calls(self, method: str | None = None, path_prefix: str = "") -> list[RecordedRequest]:
        """Recorded requests, optionally filtered by method and path prefix."""
        with self.lock:
            return [
                r for r in self.requests
                if (method is None or r.method == method) and r.path.startswith(path_prefix)
            ]

    def creation_count(self, prompt: str, seed: Any = None) -> int:
        """How many tasks were created for ``prompt`` (and ``seed``, when given)."""
        with self.lock:
            return sum(n for (p, s), n in self.creations.items() if p == prompt and (seed is None or s == seed))

    def expire_outputs(self) -> None:
        """Make every output link issued so far answer 403, as a provider's signed URL does once expired."""
        with self.lock:
            for output in self._outputs.values():
                output.expires_at = 0.0

    # -- outputs ---------------------------------------------------------------------

    def issue_output(self, task_id: str, clip_seconds: int, current_token: str | None) -> str:
        """The output link for a finished task: its current one while valid (or when links
        are not refreshed), else a new one."""
        with self.lock:
            current = self._outputs.get(current_token) if current_token else None
            if current is not None and (self._output_valid(current) or not self.settings.refresh_outputs):
                return current_token
            token = secrets.token_urlsafe(12)
            ttl = self.settings.output_ttl
            self._outputs[token] = _Output(clip_seconds, None if ttl is None else time.time() + ttl, task_id)
            return token

    def output_url(self, token: str) -> str:
        return f"{self.url}/outputs/{token}.mp4"

    @staticmethod
    def _output_valid(output: _Output) -> bool:
        return output.expires_at is None or time.time() < output.expires_at

    def serve_output(self, request: Request, token: str) -> Response:
        if request.environ.get("stub.failure"):
            return self.transient_failure(503, self.settings.retry_after)
        with self.lock:
            output = self._outputs.get(token)
            valid = output is not None and self._output_valid(output)
        if not valid:
            return Response(
                "<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code>"
                "<Message>Request has expired</Message></Error>",
                status=403,
                mimetype="application/xml",
            )
        if self.settings.corrupt_outputs:
            clip = b"this is not a video, whatever the name says. " * 2000
        else:
            clip = sample_clip(self.settings.output_seconds or output.clip_seconds)
        with self.lock:
            self.downloads += 1
            self._download_attempts[output.task_id] += 1
            slow = self.settings.download_seconds > 0 and self._download_attempts[output.task_id] <= self.settings.slow_downloads
            cut = self._cut_downloads > 0
            self._cut_downloads -= cut
        if slow:
            return Response(
                self._trickle(clip, output),
                mimetype="video/mp4",
                headers={"Content-Length": str(len(clip)), "Connection": "close"},
            )
        if cut:
            # an iterable body keeps werkzeug from correcting the announced length
            return Response(
                iter([clip[: len(clip) // 2]]),
                mimetype="video/mp4",
                headers={"Content-Length": str(len(clip)), "Connection": "close"},
            )
        with self.lock:
            self.completed_downloads[output.task_id] += 1
        return Response(clip, mimetype="video/mp4")

    def _trickle(self, clip: bytes, output: _Output, pieces: int = 8) -> Iterator[bytes]:
        """``clip`` in ``pieces`` over ``download_seconds``, cut off as soon as its link expires."""
        step = -(-len(clip) // pieces)
        for start in range(0, len(clip), step):
            if not self._output_valid(output):
                return
            yield clip[start:start + step]
            time.sleep(self.settings.download_seconds / pieces)
        with self.lock:
            self.completed_downloads[output.task_id] += 1

    # -- request handling ------------------------------------------------------------

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """Command-line options of this stub beyond the shared ones."""

    def apply_arguments(self, args: argparse.Namespace) -> None:
        """Apply this stub's own command-line options."""

    def check_auth(self, request: Request) -> Response | None:
        """None when the request may proceed, else the provider's refusal."""
        if self.api_key is not None and bearer_token(request) != self.api_key:
            return json_response({"error": "Invalid API key"}, 401)
        return None

    def transient_failure(self, status: int, retry_after: str | None) -> Response:
        """How this provider answers when it is overloaded."""
        message = "Too many requests; slow down." if status == 429 else "The service is temporarily unavailable."
        headers = {"Retry-After": retry_after} if retry_after and status in (429, 503) else None
        return json_response({"error": message}, status, headers)

    def draw_failure(self, request: Request) -> tuple[int | str, str | None] | None:
        """The failure to inject into this call and its Retry-After, if any: a scripted one
        first, then a seeded-random one."""
        with self.lock:
            for index, failure in enumerate(self._failures):
                if request.path.startswith(failure.path_prefix):
                    del self._failures[index]
                    retry_after = self.settings.retry_after if failure.retry_after is None else failure.retry_after
                    return failure.status, retry_after
            if self.settings.flaky_rate and self.rng.random() < self.settings.flaky_rate:
                return self.rng.choice(self.settings.flaky_kinds), self.settings.retry_after
        return None

    def dispatch(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except HTTPException as exc:
            return json_response({"error": exc.description or exc.name}, exc.code or 404)
        is_output = endpoint == "serve_output"
        if not is_output:
            refusal = self.check_auth(request)
            if refusal is not None:
                return refusal
        failure = self.draw_failure(request)
        if failure is not None and isinstance(failure[0], int):
            return self.transient_failure(*failure)
        # a non-HTTP failure kind (e.g. "throttled") is the endpoint's to act out
        request.environ["stub.failure"] = failure[0] if failure else None
        return getattr(self, endpoint)(request, **args)

    def wsgi_app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        stall = self._take_stall(request)
        if stall:
            time.sleep(stall)
        response = self.dispatch(request)
        record = RecordedRequest(
            request.method,
            request.path,
            dict(request.headers),
            request.get_json(silent=True),
            response.status_code,
        )
        with self.lock:
            self.requests.append(record)
        return response(environ, start_response)


def command_line(stub_class: type[StubServer], description: str, argv: list[str] | None = None) -> None:
    """Run ``stub_class`` on a fixed port until Ctrl-C: ``python -m tests.stubs.X --port N``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--api-key", default="test-key", help="the Bearer key to require ('' accepts any)")
    parser.add_argument("--flaky", type=float, default=0.0, help="fraction of calls failing transiently")
    parser.add_argument("--seed", type=int, default=1234, help="seed of the failure RNG")
    parser.add_argument("--output-ttl", type=float, default=None, help="seconds until output links expire")
    stub_class.add_arguments(parser)
    args = parser.parse_args(argv)
    stub = stub_class(api_key=args.api_key or None, port=args.port)
    stub.configure(flaky_rate=args.flaky, seed=args.seed, output_ttl=args.output_ttl)
    stub.apply_arguments(args)
    sample_clip()
    with contextlib.suppress(KeyboardInterrupt):
        stub.serve_forever(description)
