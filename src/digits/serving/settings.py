"""What the server can be told. `digits serve` passes its flags; `create_app()` with no
arguments (as `uvicorn --factory` calls it) reads DIGITS_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from digits.data.feedback import default_feedback_db


class ServeSettings(BaseSettings):
    """The models, the feedback database, limits and trusted hosts (env: DIGITS_MODEL, DIGITS_READER,
    DIGITS_FEEDBACK_DB, DIGITS_MAX_UPLOAD_BYTES, DIGITS_ALLOWED_HOSTS as a JSON list, ...)."""

    model_config = SettingsConfigDict(env_prefix="DIGITS_", frozen=True)

    model: Path | None = None  # the digit model: an ONNX file or run folder; None: the shipped model
    reader: Path | None = None  # the line model that reads numbers; None: the shipped reader
    feedback_db: Path = Field(default_factory=default_feedback_db)  # per-user data folder unless told
    max_upload_bytes: int = 10 * 1024 * 1024
    # Host headers served: a page elsewhere cannot reach this server by rebinding a domain to it.
    allowed_hosts: list[str] = ["localhost", "127.0.0.1", "[::1]"]
    max_concurrent_reads: int = 4  # images read at once; more wait in line ...
    queue_seconds: float = 10.0  # ... this long at most, then 503 with Retry-After
