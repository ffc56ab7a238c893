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
    reason: str | None = Field(None, description="Why there is no digit (for a mark the model refuses: 'not a digit: ...')")
    not_digit: float | None = Field(None, description="How likely the mark is not a digit at all (models with that class)")
    note: str | None = Field(None, description="Said when the image seems to hold several digits (use /api/read)")
    inputs: list[str] | None = Field(None, description="The 28x28 model inputs as PNG data URLs (with ?inputs=true)")


class CharInNumber(BaseModel):
    """One character of a written number: a digit, or a separator (. , -) whose `digit` is null."""

    char: str = Field(examples=["7"])
    digit: int | None
    confidence: float
    box: Box


class NumberLine(BaseModel):
    """One line of writing: its text, where it is, how sure the reader is (the product of its characters')."""

    text: str = Field(examples=["12.50"])
    box: Box
    confidence: float
    digits: list[CharInNumber | None] = Field(description="The line's characters; null for an empty box of a form field")


class NumberAnswer(BaseModel):
    """`read` mode: the numbers written in the image, top to bottom, lines joined by a newline."""

    path: str
    text: str = Field(examples=["12.50\n347"])
    confidence: float | None = Field(description="How sure the reader is of the whole text; null when nothing was read")
    digits: list[CharInNumber | None] = Field(description="Every character of every line, in reading order; null for an empty box of a form field")
    lines: list[NumberLine]
    review: bool | None = Field(None, description="True when the confidence is below the minimum asked for (CLI: --min-confidence)")
    reason: str | None = Field(None, description="Why there is no digit")
    inputs: list[str] | None = Field(None, description="Each line as the reader saw it, as PNG data URLs (with ?inputs=true)")


class FeedbackStored(BaseModel):
    """A correction, stored: a digit (`label`), or a number (`text`, with how many of its digits were stored too)."""

    id: int
    label: int | None = None
    text: str | None = None
    digits: int | None = Field(None, description="Digits of a corrected number stored as digit corrections too")
    stored: bool


class Health(BaseModel):
    """Liveness, and the name of the model being served."""

    status: str = Field(examples=["ok"])
    model: str = Field(examples=["cnn_deep"])
