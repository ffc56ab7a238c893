"""An HTTP protocol for uvicorn that drops clients too slow to send their request line and headers,
or that send more than HEADER_BYTES of them.

uvicorn times out idle kept-alive connections, but a client that sends half a
request and stalls ("slowloris") is held forever, and enough of them take every
file descriptor. This protocol gives each request HEADER_SECONDS to finish its
headers; the body has its own deadline in `upload.read_upload`.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADER_SECONDS = 10.0
HEADER_BYTES = 16 * 1024  # request line and headers together; httptools itself sets no limit


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with a deadline for every request's headers."""

    header_seconds = HEADER_SECONDS
    _deadline: asyncio.TimerHandle | None = None
    _header_bytes = 0  # of the current request's line and headers received so far, until they are complete
    _tail = b""  # the last 3 bytes of them, where the blank line that ends them may begin

    def data_received(self, data: bytes) -> None:
        if self._deadline is not None:  # still inside a request's headers
            # Only what comes before the blank line counts: a client sends its body right behind its headers,
            # often in the same packet, and an upload is far larger than the cap.
            seen = self._tail + data
            # httptools skips blank lines before a request line: they end no headers.
            start = 0 if self._header_bytes else len(seen) - len(seen.lstrip(b"\r\n"))
            end = seen.find(b"\r\n\r\n", start)
            self._header_bytes += len(data) if end < 0 else max(0, end + 4 - len(self._tail))
            self._tail = seen[-3:]
            if self._header_bytes > HEADER_BYTES:
                self._too_slow()
                return
        super().data_received(data)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_deadline()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_deadline()  # the next request on a kept-alive connection gets its own deadline

    def on_headers_complete(self) -> None:
        self._cancel_deadline()
        self._header_bytes, self._tail = 0, b""
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def _start_deadline(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.header_seconds, self._too_slow)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()
