"""What a route needs, as FastAPI dependencies: the settings, the two models and the feedback store.

All three are made once per app (the settings by `create_app`, the others at
start-up in the lifespan) and kept on `app.state`; routes receive them through
`Depends`, so tests can override any of them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from digits.data.feedback import FeedbackStore
from digits.reading.predictor import Predictor
from digits.serving.settings import ServeSettings


def get_settings(request: Request) -> ServeSettings:
    return request.app.state.settings


def get_predictor(request: Request) -> Predictor:
    return request.app.state.predictor


def get_line_reader(request: Request) -> Predictor:
    return request.app.state.line_reader


def get_feedback_store(request: Request) -> FeedbackStore:
    return request.app.state.feedback


SettingsDep = Annotated[ServeSettings, Depends(get_settings)]
PredictorDep = Annotated[Predictor, Depends(get_predictor)]
LineReaderDep = Annotated[Predictor, Depends(get_line_reader)]
FeedbackDep = Annotated[FeedbackStore, Depends(get_feedback_store)]
