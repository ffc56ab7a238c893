"""Reading an upload: the image bytes from a multipart field `file` or a raw body, within limits."""

from __future__ import annotations

from fastapi import Request



class ApiError(Exception):
    """An HTTP error answered as {"error": message} (see schemas.ErrorBody)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


async def read_upload(request: Request, limit: int) -> tuple[bytes, dict]:
    """The image bytes of a request (multipart field `file`, or the raw body) and any other form fields."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise ApiError(413, f"upload larger than the limit of {limit // 2**20} MB")
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("multipart/form-data"):
        if length is None:
            raise ApiError(411, "multipart uploads need a Content-Length header")
        try:
            form = await request.form(max_files=1, max_fields=10)
        except Exception as exc:  # Starlette raises several types for malformed multipart bodies
            raise ApiError(400, f"malformed multipart body ({exc})") from None
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ApiError(400, "multipart upload needs the image in the field 'file'")
        data = await upload.read(limit + 1)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
    else:  # any other type (curl's --data-binary says form-urlencoded): the bytes themselves say what they are
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise ApiError(413, f"upload larger than the limit of {limit // 2**20} MB")
        data, fields = bytes(body), {}
    if len(data) > limit:
        raise ApiError(413, f"upload larger than the limit of {limit // 2**20} MB")
    if not data:
        raise ApiError(400, "empty upload: no image bytes received")
    return data, fields
