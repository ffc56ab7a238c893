"""What the server can be told. `digits serve` passes its flags; `create_app()` with no
arguments (as `uvicorn --factory` calls it) reads DIGITS_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from digits.data.feedback import default_feedback_db


class ServeSettings(BaseSettings):
    """The models, the feedback database and the upload limit (env: DIGITS_MODEL, DIGITS_READER, DIGITS_FEEDBACK_DB,
    DIGITS_MAX_UPLOAD_BYTES)."""

    model_config = SettingsConfigDict(env_prefix="DIGITS_", frozen=True)

    model: Path | None = None  # the digit model: an ONNX file or run folder; None: the shipped model
    reader: Path | None = None  # the line model that reads numbers; None: the shipped reader
    feedback_db: Path = Field(default_factory=default_feedback_db)  # per-user data folder unless told
    max_upload_bytes: int = 10 * 1024 * 1024
