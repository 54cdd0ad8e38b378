"""The fake server: Kaggle's JSON-over-POST RPCs, 302 downloads, uploads, and a request log.

Speaks the protocol of docs/kaggle-api.md to the unmodified official client in proxy mode
(``KAGGLE_API_ENVIRONMENT=LOCALHOST`` + ``http_proxy`` pointing here), so request lines arrive in
absolute form and storage URLs on a made-up host come back here too. Every request is logged;
the tests assert on that log.
"""

from __future__ import annotations

import base64
import io
import json
import threading
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

CAS = "competitions.CompetitionApiService/"
STORAGE = "http://storage.fake-kaggle.test"
RULES_403 = "You must accept this competition's rules before you'll be able to download files."
LAST_MODIFIED = "Wed, 01 Jan 2025 00:00:00 GMT"


@dataclass
class FakeFile:
    """A data file; ``zipped`` serves it as NAME.zip; ``truncate`` serves it short that many times."""

    name: str
    content: bytes
    zipped: bool = False
    truncate: int = 0


@dataclass
class FakeCompetition:
    """One competition the fake knows, with switches for the failure scenarios."""

    slug: str
    title: str = "Demo Competition"
    entered: bool = True
    files: list[FakeFile] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)
    deadline: str = "2099-01-01T00:00:00Z"
    metric: str = "Categorization Accuracy"
    category: str = "Getting Started"
    reward: str = "Knowledge"
    bundle: str = "ok"  # "ok" | "corrupt" (not a zip)
    score: str = "0.78229"
    submission_error: str | None = None
    pending_polls: int = 1  # GetSubmission answers PENDING this many times first
    max_daily: int = 5
    private: bool = False  # invitation-only: metadata and files answer 403


@dataclass
class LoggedRequest:
    """One request the fake received."""

    method: str
    path: str
    rpc: str | None
    body: dict[str, Any]  # the RPC request JSON ({} for storage GETs and uploads)
    auth: str | None  # "basic:<user>" / "bearer" / None (never the secret)


class FakeKaggle:
    """A loopback HTTP server standing in for api.kaggle.com and its storage."""

    def __init__(self, username: str = "fake-user", key: str = "fake-key") -> None:
        self.username, self.key = username, key
        self.competitions: dict[str, FakeCompetition] = {}
        self.rate_limits: dict[str, int] = {}  # rpc method -> how many 429s to answer first
        self.retry_after = "1"
        self.hang: dict[str, float] = {}  # rpc method -> seconds to stall
        self.max_page_size = 20
        self.log: list[LoggedRequest] = []
        self.uploads: dict[str, bytes] = {}
        self.submissions: dict[int, dict[str, Any]] = {}
        self._tokens: dict[str, str] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def port(self) -> int:
        """The ephemeral port the server listens on."""
        return self._server.server_address[1]

    @property
    def proxy_url(self) -> str:
        """What http_proxy must say for the client to reach the fake."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeKaggle:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release stalled handlers."""
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def add(self, comp: FakeCompetition) -> FakeCompetition:
        """Register a competition."""
        self.competitions[comp.slug] = comp
        return comp

    def client_env(self) -> dict[str, str]:
        """Environment for the official client to talk to this fake with the fake credentials."""
        return {"KAGGLE_API_ENVIRONMENT": "LOCALHOST", "http_proxy": self.proxy_url,
                "HTTP_PROXY": self.proxy_url, "https_proxy": self.proxy_url,
                "HTTPS_PROXY": self.proxy_url, "no_proxy": "", "NO_PROXY": "",
                "KAGGLE_USERNAME": self.username, "KAGGLE_KEY": self.key}

    def rpcs(self, name: str | None = None) -> list[LoggedRequest]:
        """Logged RPC calls, optionally only those of one method."""
        return [r for r in self.log if r.rpc and (name is None or r.rpc == name)]

    def downloads(self) -> list[LoggedRequest]:
        """Logged download RPCs and storage GETs."""
        return [r for r in self.log if (r.rpc or "").startswith("DownloadDataFile")
                or r.path.startswith("/_storage/")]

    # -- request handling (called from the handler thread) --------------------------------

    def record(self, req: LoggedRequest) -> None:
        """Append to the request log."""
        with self._lock:
            self.log.append(req)

    def take_rate_limit(self, rpc: str) -> bool:
        """Whether this call must be answered with 429."""
        with self._lock:
            left = self.rate_limits.get(rpc, 0)
            if left > 0:
                self.rate_limits[rpc] = left - 1
            return left > 0

    def authorized(self, header: str | None) -> bool:
        """Legacy Basic auth with the fake user and key."""
        if not header or not header.startswith("Basic "):
            return False
        expected = base64.b64encode(f"{self.username}:{self.key}".encode()).decode()
        return header[6:] == expected

    def rpc(self, name: str, body: dict[str, Any]) -> tuple[int, dict[str, Any] | str]:
        """Answer one RPC: (status, JSON body) or (302, location)."""
        handler = getattr(self, f"_rpc_{name}", None)
        if handler is None:
            return 400, {"code": 400, "message": f"fake has no method {name}"}
        return handler(body)

    def _comp(self, body: dict[str, Any]) -> FakeCompetition | None:
        return self.competitions.get(body.get("competitionName", ""))

    def _rpc_GetCompetition(self, body: dict[str, Any]) -> tuple[int, Any]:
        comp = self._comp(body)
        if comp is not None and comp.private:
            return 403, {"code": 403, "message": "Permission 'competitions.get' was denied"}
        return (200, _api_competition(comp)) if comp else _not_found()

    def _rpc_ListCompetitions(self, body: dict[str, Any]) -> tuple[int, Any]:
        hits = [_api_competition(c) for s, c in self.competitions.items()
                if body.get("search", "") in s and not c.private]
        return 200, {"competitions": hits, "nextPageToken": ""}

    def _rpc_ListDataFiles(self, body: dict[str, Any]) -> tuple[int, Any]:
        comp = self._comp(body)
        if comp is None:
            return _not_found()
        size = min(int(body.get("pageSize") or 20), self.max_page_size)
        start = int(body.get("pageToken") or 0)
        chunk = comp.files[start:start + size]
        token = str(start + size) if start + size < len(comp.files) else ""
        files = [{"ref": f.name, "name": f.name, "totalBytes": len(f.content),
                  "creationDate": "2025-01-01T00:00:00Z"} for f in chunk]
        return 200, {"files": files, "nextPageToken": token}

    def _rpc_ListCompetitionPages(self, body: dict[str, Any]) -> tuple[int, Any]:
        comp = self._comp(body)
        return (200, {"pages": comp.pages}) if comp else _not_found()

    def _rpc_DownloadDataFiles(self, body: dict[str, Any]) -> tuple[int, Any]:
        comp = self._comp(body)
        if comp is None:
            return _not_found()
        if not comp.entered:
            return 403, {"code": 403, "message": RULES_403}
        return 302, f"{STORAGE}/_storage/bundle/{comp.slug}/archive.zip?sig=fake"

    def _rpc_DownloadDataFile(self, body: dict[str, Any]) -> tuple[int, Any]:
        comp = self._comp(body)
        if comp is None:
            return _not_found()
        if not comp.entered:
            return 403, {"code": 403, "message": RULES_403}
        f = next((f for f in comp.files if f.name == body.get("fileName")), None)
        if f is None:
            return _not_found()
        suffix = ".zip" if f.zipped else ""
        return 302, f"{STORAGE}/_storage/file/{comp.slug}/{f.name}{suffix}?sig=fake"

    def _rpc_StartSubmissionUpload(self, body: dict[str, Any]) -> tuple[int, Any]:
        if self._comp(body) is None:
            return _not_found()
        token = f"blob-{len(self._tokens) + 1}"
        self._tokens[token] = body["competitionName"]
        return 200, {"token": token, "createUrl": f"{STORAGE}/_upload/{token}"}

    def _rpc_CreateSubmission(self, body: dict[str, Any]) -> tuple[int, Any]:
        comp = self._comp(body)
        if comp is None:
            return _not_found()
        if not comp.entered:
            return 403, {"code": 403, "message": "Permission 'competitions.participate' was denied"}
        ref = 50001 + len(self.submissions)
        self.submissions[ref] = {"comp": comp.slug, "polls": 0, "token": body.get("blobFileTokens"),
                                 "description": body.get("submissionDescription", "")}
        return 200, {"message": f"Successfully submitted to {comp.title}", "ref": ref}

    def _rpc_GetSubmission(self, body: dict[str, Any]) -> tuple[int, Any]:
        sub = self.submissions.get(int(body.get("ref", 0)))
        if sub is None:
            return _not_found()
        comp = self.competitions[sub["comp"]]
        sub["polls"] += 1
        out: dict[str, Any] = {"ref": int(body["ref"]), "description": sub["description"],
                               "fileName": "submission.csv", "status": "PENDING"}
        if sub["polls"] > comp.pending_polls:
            out["status"] = "ERROR" if comp.submission_error else "COMPLETE"
            out["errorDescription" if comp.submission_error else "publicScore"] = (
                comp.submission_error or comp.score)
        return 200, out

    def _rpc_GetSubmissionLimits(self, body: dict[str, Any]) -> tuple[int, Any]:
        comp = self._comp(body)
        if comp is None:
            return _not_found()
        n = sum(1 for s in self.submissions.values() if s["comp"] == comp.slug)
        return 200, {"numToday": n, "numTotal": n, "numAllowedNow": max(0, comp.max_daily - n),
                     "limitedByTotal": False}

    def storage(self, path: str) -> bytes | None:
        """Bytes behind a signed storage URL (None when unknown)."""
        parts = path.split("/", 4)  # ['', '_storage', kind, slug, rest]
        if len(parts) < 5 or parts[3] not in self.competitions:
            return None
        comp = self.competitions[parts[3]]
        if parts[2] == "bundle":
            return b"this is not a zip" if comp.bundle == "corrupt" else _zip(comp.files, truncate=True)
        return self._file_bytes(comp, parts[4])

    def _file_bytes(self, comp: FakeCompetition, name: str) -> bytes | None:
        wanted = name[:-4] if name.endswith(".zip") and not name.endswith(".zip.zip") else name
        f = next((f for f in comp.files if f.name in (name, wanted)), None)
        if f is None:
            return None
        with self._lock:
            short = f.truncate > 0
            f.truncate -= 1 if short else 0
        content = f.content[: len(f.content) // 2] if short else f.content
        if f.zipped and name.endswith(".zip"):
            return _zip([FakeFile(f.name.rsplit("/", 1)[-1], content)])
        return content


def _zip(files: list[FakeFile], truncate: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in files:
            short = truncate and f.truncate > 0
            if short:
                f.truncate -= 1
            zf.writestr(f.name, f.content[: len(f.content) // 2] if short else f.content)
    return buf.getvalue()


def _not_found() -> tuple[int, dict[str, Any]]:
    return 404, {"code": 404, "message": "Competition not found"}


def _api_competition(c: FakeCompetition) -> dict[str, Any]:
    url = f"https://www.kaggle.com/competitions/{c.slug}"
    return {"id": abs(hash(c.slug)) % 100000, "ref": url, "title": c.title, "url": url,
            "description": f"{c.title} subtitle", "category": c.category, "reward": c.reward,
            "deadline": c.deadline, "userHasEntered": c.entered, "maxDailySubmissions": c.max_daily,
            "maxTeamSize": 3, "evaluationMetric": c.metric, "teamCount": 10}


def _handler_for(fake: FakeKaggle) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr
            return

        def _path(self) -> str:
            return unquote(urlsplit(self.path).path)  # absolute form in proxy mode

        def _auth(self) -> str | None:
            header = self.headers.get("Authorization")
            if not header:
                return None
            if header.startswith("Basic "):
                user = base64.b64decode(header[6:]).decode(errors="replace").split(":", 1)[0]
                return f"basic:{user}"
            return header.split(" ", 1)[0].lower()

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: Any, extra: dict[str, str] | None = None) -> None:
            self._send(status, json.dumps(data).encode(), "application/json", extra)

        def do_POST(self) -> None:
            path = self._path()
            raw = self._body()
            body = json.loads(raw) if raw.strip() else {}
            rpc = path.split(CAS, 1)[1] if CAS in path else path.rsplit("/", 1)[-1]
            fake.record(LoggedRequest("POST", path, rpc, body, self._auth()))
            if not fake.authorized(self.headers.get("Authorization")):
                return self._json(401, {"code": 401, "message": "Unauthenticated"})
            if fake.take_rate_limit(rpc):
                return self._json(429, {"code": 429, "message": "TooManyRequests"},
                                  {"Retry-After": fake.retry_after})
            if rpc in fake.hang:
                fake._stop.wait(fake.hang[rpc])
            status, out = fake.rpc(rpc, body)
            if status == 302:
                return self._send(302, b"", "text/plain", {"Location": str(out)})
            self._json(status, out)

        def do_GET(self) -> None:
            path = self._path()
            fake.record(LoggedRequest("GET", path, None, {}, self._auth()))
            data = fake.storage(path) if path.startswith("/_storage/") else None
            if data is None:
                return self._send(404, b"no such object", "text/plain")
            self._send(200, data, "application/octet-stream",
                       {"Last-Modified": LAST_MODIFIED, "Accept-Ranges": "none"})

        def do_PUT(self) -> None:
            path = self._path()
            data = self._body()
            fake.record(LoggedRequest("PUT", path, None, {}, self._auth()))
            fake.uploads[path.rsplit("/", 1)[-1]] = data
            self._json(200, {})

    return Handler
