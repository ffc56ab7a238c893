"""HTTP API and web page: `create_app(settings)` builds the FastAPI app that `digits serve` runs."""

from __future__ import annotations

import base64
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from digits.feedback import FeedbackStore
from digits.imagefile import ImageError
from digits.predictor import load_model_card, load_predictor
from digits.recognize import prepare, score_prepared

WEB = Path(__file__).parent / "web"
RAW_TYPES = ("image/", "application/octet-stream")


@dataclass(frozen=True)
class ServeSettings:
    """What `digits serve` can be told: the model, the feedback database and the upload limit."""

    model: Path | None = None
    feedback_db: Path = Path("feedback.sqlite3")
    max_upload_bytes: int = 10 * 1024 * 1024


class ApiError(Exception):
    """An HTTP error with a JSON body {"error": message}."""

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
    elif content_type == "" or content_type.startswith(RAW_TYPES):
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise ApiError(413, f"upload larger than the limit of {limit // 2**20} MB")
        data, fields = bytes(body), {}
    else:
        raise ApiError(415, f"unsupported content type {content_type!r}: send an image body or multipart/form-data")
    if len(data) > limit:
        raise ApiError(413, f"upload larger than the limit of {limit // 2**20} MB")
    if not data:
        raise ApiError(400, "empty upload: no image bytes received")
    return data, fields


def _png_data_url(image: np.ndarray) -> str:
    ok, png = cv2.imencode(".png", np.clip(image, 0, 255).astype(np.uint8))
    return "data:image/png;base64," + base64.b64encode(png.tobytes()).decode()


def create_app(settings: ServeSettings) -> FastAPI:
    """The app: the page at /, the API under /api, the model loaded once at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.predictor = load_predictor(settings.model)
        app.state.card = load_model_card(settings.model)
        app.state.feedback = FeedbackStore(settings.feedback_db)
        yield

    app = FastAPI(title="digits", summary="Handwritten digit recognition", lifespan=lifespan)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return JSONResponse({"error": str(exc)}, status_code=exc.status)

    async def answer(request: Request, row: bool, inputs: bool) -> dict:
        data, _ = await read_upload(request, settings.max_upload_bytes)
        try:
            _, segmentation = await run_in_threadpool(prepare, data, row, "upload")
        except ImageError as exc:
            raise ApiError(400, str(exc)) from None
        result = score_prepared([("upload", segmentation)], request.app.state.predictor, row)[0]
        if inputs:
            result["inputs"] = [_png_data_url(c.image) for c in segmentation.crops]
        return result

    @app.post("/api/predict", summary="The single digit in an image (multipart field 'file' or raw image body)")
    async def api_predict(request: Request, inputs: bool = Query(False, description="Also return the 28x28 model inputs as PNG data URLs")) -> dict:
        return await answer(request, row=False, inputs=inputs)

    @app.post("/api/read", summary="A number written as a row of digits (multipart field 'file' or raw image body)")
    async def api_read(request: Request, inputs: bool = Query(False, description="Also return the 28x28 model inputs as PNG data URLs")) -> dict:
        return await answer(request, row=True, inputs=inputs)

    @app.post("/api/feedback", summary="Store a correction: multipart with 'file' (the image), 'label' and optional 'predicted'")
    async def api_feedback(request: Request) -> dict:
        data, fields = await read_upload(request, settings.max_upload_bytes)
        label, predicted = fields.get("label", ""), fields.get("predicted") or None
        if not label.isdigit() or not 0 <= int(label) <= 9:
            raise ApiError(400, "field 'label' must be a digit 0-9")
        if predicted is not None and (not predicted.isdigit() or not 0 <= int(predicted) <= 9):
            raise ApiError(400, "field 'predicted' must be a digit 0-9 when given")
        try:
            _, segmentation = await run_in_threadpool(prepare, data, False, "upload")
        except ImageError as exc:
            raise ApiError(400, str(exc)) from None
        if not segmentation.crops:
            raise ApiError(400, f"no digit to learn from: {segmentation.reason}")
        store: FeedbackStore = request.app.state.feedback
        ident = await run_in_threadpool(store.add, data, segmentation.crops[0].image, int(label), None if predicted is None else int(predicted))
        return {"id": ident, "label": int(label), "stored": True}

    @app.get("/api/health", summary="Liveness: the model is loaded")
    async def api_health(request: Request) -> dict:
        return {"status": "ok", "model": request.app.state.card.get("name", "custom")}

    @app.get("/api/model", summary="The model card of the served model")
    async def api_model(request: Request) -> dict:
        return request.app.state.card

    @app.get("/", include_in_schema=False)
    async def index():
        return FileResponse(WEB / "index.html")

    app.mount("/static", StaticFiles(directory=WEB), name="static")
    return app

