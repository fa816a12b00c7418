"""A local endpoint that receives Sentry envelopes (``POST /api/<project>/envelope/``) as Sentry does."""
from __future__ import annotations

import gzip
import json
import threading

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class SentryReceiver:
    """Collects every envelope item sent to it; ``dsn`` points a client at it."""

    def __init__(self):
        self.items: list[tuple[dict, dict | bytes]] = []
        self.raw: list[bytes] = []
        self.lock = threading.Lock()
        self.server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self.server.server_port}/42"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)

    @Request.application
    def _app(self, request: Request) -> Response:
        if request.method != "POST" or not request.path.startswith("/api/42/envelope"):
            return Response("not found", 404)
        body = request.get_data()
        encoding = request.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        with self.lock:
            self.raw.append(body)
            self.items.extend(parse_envelope(body))
        return Response("{}", 200, mimetype="application/json")

    def events(self) -> list[dict]:
        with self.lock:
            return [payload for header, payload in self.items if header.get("type") == "event"]


def parse_envelope(body: bytes) -> list[tuple[dict, dict | bytes]]:
    """The items of an envelope: a header line, then per item a header line and its payload (``length``
    bytes when the item header gives one, else up to the next newline)."""
    items = []
    at = body.index(b"\n") + 1  # past the envelope header
    while at < len(body):
        end = body.find(b"\n", at)
        end = len(body) if end < 0 else end
        line = body[at:end].strip()
        at = end + 1
        if not line:
            continue
        header = json.loads(line)
        if (length := header.get("length")) is not None:
            payload, at = body[at:at + length], at + length + 1
        else:
            end = body.find(b"\n", at)
            end = len(body) if end < 0 else end
            payload, at = body[at:end], end + 1
        try:
            items.append((header, json.loads(payload)))
        except ValueError:
            items.append((header, payload))
    return items
