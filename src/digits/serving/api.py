"""The HTTP API under /api: predict, read, feedback, health and the model card."""

from __future__ import annotations

import asyncio
import base64
from urllib.parse import urlsplit

import cv2
import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from digits.card import ModelCard
from digits.data.feedback import NUMBER_CHARS, FeedbackStore
from digits.data.synth import encode
from digits.reading.numbers import corrected_parts
from digits.reading.predictor import Predictor
from digits.reading.recognize import Reading, read_image
from digits.serving.settings import ServeSettings
from digits.serving.dependencies import FeedbackDep, LineReaderDep, PredictorDep, SettingsDep
from digits.serving.schemas import DigitAnswer, ErrorBody, FeedbackStored, Health, NumberAnswer
from digits.serving.upload import ApiError, read_upload

router = APIRouter(prefix="/api")

UPLOAD_ERRORS = {
    400: {"model": ErrorBody, "description": "Empty, truncated or non-image upload, or malformed multipart"},
    408: {"model": ErrorBody, "description": "The body did not arrive in time"},
    411: {"model": ErrorBody, "description": "A multipart body without Content-Length"},
    413: {"model": ErrorBody, "description": "Larger than the upload limit"},
    503: {"model": ErrorBody, "description": "Busy reading other images: try again after Retry-After seconds"},
}
IMAGE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                               "properties": {"file": {"type": "string", "format": "binary"}}}},
            "image/*": {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
FEEDBACK_BODY = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"},
                           "label": {"type": "string", "pattern": "^[0-9]$", "description": "The right digit (one digit)"},
                           "predicted": {"type": "string", "pattern": "^[0-9]$", "description": "What the model said"},
                           "text": {"type": "string", "pattern": "^[0-9.,-]+(\\n[0-9.,-]+)*$",
                                    "description": "Instead of label: the right number, one line of text per line of writing"}},
        }}},
    }
}
InputsQuery = Query(False, description="Also return what the model saw as PNG data URLs (28x28 digits, or lines)")


def png_data_url(image: np.ndarray) -> str:
    """A model input (0-255: a 28x28 digit or a line) as a PNG data URL the page can show."""
    return "data:image/png;base64," + base64.b64encode(encode(np.clip(image, 0, 255).astype(np.uint8), "PNG")).decode()


async def in_a_slot(request: Request, work, *args):
    """Run CPU-heavy work in a worker thread once one of the app's read slots is free; 503 after waiting too long.

    The slots bound how many images are decoded at once, and so the server's memory."""
    settings: ServeSettings = request.app.state.settings
    slots: asyncio.Semaphore = request.app.state.read_slots
    try:
        await asyncio.wait_for(slots.acquire(), timeout=settings.queue_seconds)
    except TimeoutError:
        raise ApiError(503, "busy reading other images; try again in a few seconds", {"Retry-After": "5"}) from None
    try:
        return await run_in_threadpool(work, *args)
    finally:
        slots.release()


def check_origin(request: Request) -> None:
    """A state-changing request from a page on another site (a browser says so in Origin) is refused."""
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc not in (request.headers.get("host"), *request.app.state.settings.allowed_hosts):
        raise ApiError(403, f"requests from {origin} are not accepted")


async def read_request(request: Request, settings: ServeSettings, predictor: Predictor, row: bool,
                       reader: Predictor | None = None) -> tuple[Reading, dict]:
    """The upload read as `read_image` reads a file: (reading, the other form fields). Unreadable: 400."""
    data, fields = await read_upload(request, settings.max_upload_bytes)
    reading = await in_a_slot(request, read_image, predictor, data, row, "upload", reader)
    if reading.error:
        raise ApiError(400, reading.error)
    return reading, fields


def with_inputs(reading: Reading, inputs: bool) -> dict:
    """The answer, plus the model inputs when asked for."""
    if not inputs:
        return reading.answer
    return {**reading.answer, "inputs": [png_data_url(image) for image in reading.inputs]}


@router.post("/predict", response_model=DigitAnswer, response_model_exclude_unset=True, responses=UPLOAD_ERRORS,
             openapi_extra=IMAGE_BODY, summary="The single digit in an image (multipart field 'file' or raw image body)")
async def predict(request: Request, settings: SettingsDep, predictor: PredictorDep, inputs: bool = InputsQuery) -> dict:
    reading, _ = await read_request(request, settings, predictor, row=False)
    return with_inputs(reading, inputs)


@router.post("/read", response_model=NumberAnswer, response_model_exclude_unset=True, responses=UPLOAD_ERRORS,
             openapi_extra=IMAGE_BODY, summary="A number written as a row of digits (multipart field 'file' or raw image body)")
async def read(request: Request, settings: SettingsDep, predictor: PredictorDep, reader: LineReaderDep,
               inputs: bool = InputsQuery) -> dict:
    reading, _ = await read_request(request, settings, predictor, row=True, reader=reader)
    return with_inputs(reading, inputs)


def digit_field(fields: dict, name: str, required: bool) -> int | None:
    """A form field that must be one ASCII digit 0-9 (absent is fine when not required)."""
    value = fields.get(name) or None
    if value is None and not required:
        return None
    if value is None or len(value) != 1 or value not in "0123456789":
        raise ApiError(400, f"field {name!r} must be a digit 0-9" + ("" if required else " when given"))
    return int(value)


FEEDBACK_ERRORS = {**UPLOAD_ERRORS, 403: {"model": ErrorBody, "description": "Sent by a page of another site"}}


@router.post("/feedback", response_model=FeedbackStored, response_model_exclude_unset=True, responses=FEEDBACK_ERRORS,
             openapi_extra=FEEDBACK_BODY,
             summary="Store a correction: multipart with 'file' (the image) and 'label' (a digit) or 'text' (a number)")
async def feedback(request: Request, settings: SettingsDep, predictor: PredictorDep, reader: LineReaderDep,
                   store: FeedbackDep) -> dict:
    check_origin(request)
    data, fields = await read_upload(request, settings.max_upload_bytes)
    if fields.get("text") is not None and fields.get("label") is None:
        return await store_number(request, data, fields["text"], predictor, reader, store)
    label, predicted = digit_field(fields, "label", required=True), digit_field(fields, "predicted", required=False)
    reading = await in_a_slot(request, read_image, predictor, data, False, "upload")
    if reading.error:
        raise ApiError(400, reading.error)
    if not reading.inputs:
        raise ApiError(400, f"no digit to learn from: {reading.answer['reason']}")
    ident = await run_in_threadpool(store.add, data, reading.inputs[0], label, predicted)
    return {"id": ident, "label": label, "stored": True}


@router.get("/health", response_model=Health, summary="Liveness: the model is loaded")
async def health(predictor: PredictorDep) -> dict:
    return {"status": "ok", "model": predictor.card.name}


@router.get("/model", response_model=ModelCard, summary="The model card of the served model")
async def model_card(predictor: PredictorDep) -> ModelCard:
    return predictor.card


async def store_number(request: Request, data: bytes, text: str, predictor: Predictor, reader: Predictor,
                       store: FeedbackStore) -> dict:
    """A corrected number: stored as strings with their line images, never squashed into one digit."""
    text = text.strip().replace("\r\n", "\n")
    if not text or set(text.replace("\n", "")) - NUMBER_CHARS or "\n\n" in text:
        raise ApiError(400, "field 'text' must be the number: 0-9 . , - and one line of text per line of writing")
    reading = await in_a_slot(request, read_image, predictor, data, True, "upload", reader)
    if reading.error:
        raise ApiError(400, reading.error)
    if not reading.prepared.lines:
        raise ApiError(400, f"no number to learn from: {reading.answer['reason']}")
    try:
        lines, digits = await in_a_slot(request, corrected_parts, reading.gray, reading.prepared, reading.answer, text,
                                        reading.scale)
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None
    ids = await run_in_threadpool(store.add_number, data, lines, digits)
    return {"id": ids[0], "text": text, "stored": True, "digits": len(digits)}
