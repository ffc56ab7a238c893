"""The shapes of every answer and error, as pydantic models: they are the OpenAPI schema at /docs."""

from __future__ import annotations

from pydantic import BaseModel, Field

Box = list[int]  # x, y, width, height in the original image, pixels


class ErrorBody(BaseModel):
    """Every error, whatever its status: one line that says what was wrong."""

    error: str = Field(examples=["upload.png: not an image (unrecognised format)"])


class DigitAnswer(BaseModel):
    """`predict` mode: the one digit in the image, or `digit: null` with a `reason`."""

    path: str
    digit: int | None
    confidence: float | None
    probabilities: list[float] | None = Field(description="Ten probabilities, digits 0-9")
    box: Box | None = None
    reason: str | None = Field(None, description="Why there is no digit")
    inputs: list[str] | None = Field(None, description="The 28x28 model inputs as PNG data URLs (with ?inputs=true)")


class DigitInNumber(BaseModel):
    """One digit of a written number."""

    digit: int
    confidence: float
    box: Box


class NumberAnswer(BaseModel):
    """`read` mode: the digits of a written number, left to right."""

    path: str
    text: str = Field(examples=["40213"])
    digits: list[DigitInNumber]
    reason: str | None = Field(None, description="Why there is no digit")
    inputs: list[str] | None = Field(None, description="The 28x28 model inputs as PNG data URLs (with ?inputs=true)")


class FeedbackStored(BaseModel):
    """A correction, stored."""

    id: int
    label: int
    stored: bool


class Health(BaseModel):
    """Liveness, and the name of the model being served."""

    status: str = Field(examples=["ok"])
    model: str = Field(examples=["cnn_deep"])
