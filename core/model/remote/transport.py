"""JSON over HTTP to an inference server: one request with a timeout and bounded retries.

The only module of the remote backend that opens a connection; everything it cannot reach or read
becomes a RemoteError whose message is one sentence. A 4xx answer is raised as urllib's HTTPError so
that callers can try another form of the request (token ids, then text).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from core.errors import UserError

RETRIES = 3
BACKOFF_S = 0.5


class RemoteError(UserError):
    """The server is unreachable or cannot do what scoring needs; the message is one sentence."""


class Http:
    """JSON over HTTP with a timeout and bounded retries (connection errors and 5xx, with backoff)."""

    def __init__(self, base_url: str, timeout: float = 120.0, retries: int = RETRIES) -> None:
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries

    def request(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """GET (no body) or POST `path`; returns the decoded JSON, raises RemoteError or HTTPError (4xx)."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"Content-Type": "application/json"} if data is not None else {}
        for attempt in range(self.retries):
            req = urllib.request.Request(self.base + path, data=data, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - user's own server
                    return json.loads(resp.read().decode("utf-8"))
            except urllib.error.HTTPError as e:
                if e.code < 500 or attempt + 1 == self.retries:
                    raise
            except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
                if attempt + 1 == self.retries:
                    raise RemoteError(f"No inference server answers at {self.base}.") from e
            except ValueError as e:
                raise RemoteError(f"The server at {self.base} answered {path} with something other than JSON.") from e
            time.sleep(BACKOFF_S * 2**attempt)
        raise AssertionError("unreachable")
