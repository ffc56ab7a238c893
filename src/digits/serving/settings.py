"""What the server can be told. `digits serve` passes its flags; `create_app()` with no
arguments (as `uvicorn --factory` calls it) reads DIGITS_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServeSettings(BaseSettings):
    """The model, the feedback database and the upload limit (env: DIGITS_MODEL, DIGITS_FEEDBACK_DB, DIGITS_MAX_UPLOAD_BYTES)."""

    model_config = SettingsConfigDict(env_prefix="DIGITS_", frozen=True)

    model: Path | None = None  # an ONNX file or run folder; None: the shipped model
    feedback_db: Path = Path("feedback.sqlite3")
    max_upload_bytes: int = 10 * 1024 * 1024
