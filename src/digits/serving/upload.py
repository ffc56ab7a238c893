"""Reading an upload: the image bytes from a multipart field `file` or a raw body, within limits."""

from __future__ import annotations

import asyncio

from fastapi import Request
from starlette.requests import ClientDisconnect

from digits.errors import first_line



class ApiError(Exception):
    """An HTTP error answered as {"error": message} (see schemas.ErrorBody)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers


BODY_SECONDS = 30.0  # a client that has not sent its whole upload by then is dropped, not waited for


async def read_upload(request: Request, limit: int) -> tuple[bytes, dict]:
    """The image bytes of a request (multipart field `file`, or the raw body) and any other form fields.

    A body slower than BODY_SECONDS is a 408; a client that goes away mid-body is a 400 that
    nobody reads, logged as nothing more.
    """
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise ApiError(413, f"upload larger than the limit of {limit // 2**20} MB")
    try:
        data, fields = await asyncio.wait_for(_read_body(request, limit, length), timeout=BODY_SECONDS)
    except TimeoutError:
        raise ApiError(408, f"the upload did not arrive within {BODY_SECONDS:.0f} s") from None
    except ClientDisconnect:
        raise ApiError(400, "the client went away before the upload arrived") from None
    if len(data) > limit:
        raise ApiError(413, f"upload larger than the limit of {limit // 2**20} MB")
    if not data:
        raise ApiError(400, "empty upload: no image bytes received")
    return data, fields


async def _read_body(request: Request, limit: int, length: str | None) -> tuple[bytes, dict]:
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("multipart/form-data"):
        if length is None:
            raise ApiError(411, "multipart uploads need a Content-Length header")
        try:
            form = await request.form(max_files=1, max_fields=10)
        except ClientDisconnect:
            raise
        except Exception as exc:  # Starlette raises several types for malformed multipart bodies
            raise ApiError(400, f"malformed multipart body ({first_line(exc)})") from None
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ApiError(400, "multipart upload needs the image in the field 'file'")
        return await upload.read(limit + 1), {k: v for k, v in form.items() if isinstance(v, str)}
    # Any other type (curl's --data-binary says form-urlencoded): the bytes themselves say what they are.
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, f"upload larger than the limit of {limit // 2**20} MB")
    return bytes(body), {}
