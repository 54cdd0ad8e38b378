"""One loopback HTTP server that speaks the OpenAI, Gemini and Anthropic wire protocols."""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from fake_llm import wire
from fake_llm.steps import Hang, HTTPError, Malformed, Reply, Step

_GEMINI_CALL = re.compile(r"^/v1(?:beta|alpha)?/models/([^/:]+):(generateContent|streamGenerateContent)$")


@dataclass
class RecordedRequest:
    """One request the server received."""

    method: str
    path: str  # without the query string
    query: str
    headers: dict[str, str]  # lower-cased names
    body: Any  # parsed JSON, or None
    raw: str  # the body as text
    provider: str  # "openai", "gemini", "anthropic" or "" when the path matched none

    def text(self) -> str:
        """Everything the client sent, as one string (to search for planted secrets)."""
        heads = "\n".join(f"{k}: {v}" for k, v in self.headers.items())
        return f"{self.method} {self.path}?{self.query}\n{heads}\n\n{self.raw}"


@dataclass
class _Route:
    provider: str
    kind: str  # "chat", "responses", "messages", "generate", "models"
    model: str = ""
    stream: bool = False


@dataclass
class FakeLLMServer:
    """Scripted replies from a FIFO queue; ``default`` when it is empty. See the package doc."""

    default: Step = field(default_factory=lambda: Reply("OK."))
    known_models: set[str] | None = None  # when set, other model names get a 404
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._queue: deque[Step] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._counter = 0

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeLLMServer:
        """Listen on 127.0.0.1 on a free port, serving from a daemon thread."""
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and wake any hanging handler."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root(self) -> str:
        """``http://127.0.0.1:PORT``."""
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def base_url_for(self, provider: str) -> str:
        """The base URL each SDK expects: OpenAI ``ROOT/v1``, Gemini and Anthropic ``ROOT``."""
        if provider not in wire.MODELS:
            raise ValueError(f"unknown provider {provider!r}")
        return f"{self.root}/v1" if provider == "openai" else self.root

    # --- scripting ------------------------------------------------------------------------------

    def script(self, *steps: Step) -> None:
        """Queue steps; each request consumes one, in order."""
        with self._lock:
            self._queue.extend(steps)

    def reset(self) -> None:
        """Forget the queue and the request log."""
        with self._lock:
            self._queue.clear()
            self.requests.clear()

    @property
    def pending(self) -> int:
        """Steps not consumed yet."""
        return len(self._queue)

    def requests_for(self, provider: str) -> list[RecordedRequest]:
        """The logged requests that went to ``provider``'s endpoints."""
        return [r for r in self.requests if r.provider == provider]

    def all_text(self) -> str:
        """Every logged request as text (headers and bodies), to search for secrets."""
        return "\n\n".join(r.text() for r in self.requests)

    def _next_step(self) -> tuple[Step, str]:
        with self._lock:
            self._counter += 1
            step = self._queue.popleft() if self._queue else self.default
            return step, f"fake{self._counter:06d}"

    def _log(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeLLMServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr
        return

    def do_GET(self) -> None:  # noqa: N802
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("content-length") or 0)).decode("utf-8", "replace")
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in self.headers.items()}
        route = _route(self.command, parts.path, headers, body)
        self.fake._log(RecordedRequest(self.command, parts.path, parts.query, headers, body, raw,
                                       route.provider if route else ""))
        if route is None:
            self._send_json(404, {"error": {"message": f"no route {self.command} {parts.path}"}})
        elif route.kind == "models":
            self._send_json(200, wire.models_list(route.provider))
        else:
            self._play(route)

    def _play(self, route: _Route) -> None:
        fake = self.fake
        step, rid = fake._next_step()
        if fake.known_models is not None and route.model not in fake.known_models:
            step = HTTPError(404, kind="model_not_found")
        if isinstance(step, Hang):
            fake._stopping.wait(step.seconds)
            self.close_connection = True
        elif isinstance(step, Malformed):
            self._send(200, step.body.encode(), step.content_type)
        elif isinstance(step, HTTPError):
            self._send_error(route, step)
        elif route.stream and route.kind == "responses":
            self._send_error(route, HTTPError(400, message="the fake serves /v1/responses "
                                              "without stream only"))
        elif route.stream:
            self._send_stream(route, step, rid)
        else:
            self._send_json(200, _reply_body(route, step, rid))

    def _send_error(self, route: _Route, err: HTTPError) -> None:
        status = 401 if err.kind == "bad_key" else err.status
        if route.provider == "gemini":
            status, body = wire.gemini_error(err, route.model)
        elif route.provider == "anthropic":
            body = wire.anthropic_error(err, route.model)
        else:
            body = wire.openai_error(HTTPError(status, err.kind, err.retry_after, err.message,
                                               err.param), route.model)
        extra = {"retry-after": f"{err.retry_after:g}"} if err.retry_after is not None else {}
        self._send_json(status, body, extra)

    def _send_stream(self, route: _Route, reply: Reply, rid: str) -> None:
        if route.provider == "gemini":
            events = wire.gemini_stream(reply, route.model, rid)
        elif route.provider == "anthropic":
            events = wire.anthropic_stream(reply, route.model, rid)
        else:
            events = wire.openai_chat_stream(reply, route.model, rid, route.kind == "chat+usage")
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            for event in events:
                self.wfile.write(event)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(body).encode(), "application/json", headers)

    def _send(self, status: int, data: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            return


def _reply_body(route: _Route, reply: Reply, rid: str) -> dict[str, Any]:
    if route.provider == "gemini":
        return wire.gemini_generate(reply, route.model, rid)
    if route.provider == "anthropic":
        return wire.anthropic_message(reply, route.model, rid)
    if route.kind == "responses":
        return wire.openai_response(reply, route.model, rid)
    return wire.openai_chat(reply, route.model, rid)


def _route(method: str, path: str, headers: dict[str, str], body: Any) -> _Route | None:
    data = body if isinstance(body, dict) else {}
    model = str(data.get("model", ""))
    stream = bool(data.get("stream"))
    if method == "GET":
        return _list_route(path, headers)
    if path == "/v1/chat/completions":
        usage = bool((data.get("stream_options") or {}).get("include_usage"))
        return _Route("openai", "chat+usage" if usage else "chat", model, stream)
    if path == "/v1/responses":
        return _Route("openai", "responses", model, stream)
    if path == "/v1/messages":
        return _Route("anthropic", "messages", model, stream)
    match = _GEMINI_CALL.match(path)
    if match:
        return _Route("gemini", "generate", match.group(1), match.group(2).startswith("stream"))
    return None


def _list_route(path: str, headers: dict[str, str]) -> _Route | None:
    if "x-goog-api-key" in headers or path.startswith(("/v1beta/", "/v1alpha/")):
        return _Route("gemini", "models") if "/models" in path else None
    if path == "/v1/models":  # OpenAI and Anthropic share the path; Anthropic sends its version
        return _Route("anthropic" if "anthropic-version" in headers else "openai", "models")
    return None
