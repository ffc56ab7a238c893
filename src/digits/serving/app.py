"""The FastAPI app: `create_app()` builds it, `digits serve` runs it.

    uvicorn --factory digits.serving.app:create_app   # settings from DIGITS_* variables
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi_offline import FastAPIOffline
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException

from digits import __version__
from digits.data.feedback import FeedbackStore
from digits.errors import first_line
from digits.reading.predictor import Predictor, load_line_reader, load_predictor
from digits.serving import api, pages
from digits.serving.settings import ServeSettings
from digits.serving.upload import ApiError


@asynccontextmanager
async def lifespan(app: FastAPI):
    """Load the models once, at start-up (unless given to `create_app`); open the feedback store (the file is
    made on first write)."""
    settings: ServeSettings = app.state.settings
    app.state.predictor = app.state.predictor or load_predictor(settings.model)
    app.state.line_reader = app.state.line_reader or load_line_reader(settings.reader)
    app.state.read_slots = asyncio.Semaphore(settings.max_concurrent_reads)
    app.state.feedback = FeedbackStore(settings.feedback_db)
    yield


def _host_name(header: str) -> str:
    """The host of a Host header without its port, lower case: "LocalHost:8000" -> "localhost", "[::1]:80" -> "[::1]"."""
    header = header.lower()
    if header.startswith("["):
        return header[: header.find("]") + 1]
    return header.split(":", 1)[0]


class TrustedHosts:
    """Serve only requests addressed to a known host, so that a page elsewhere cannot reach this server by
    rebinding a domain name to it (DNS rebinding). A plain ASGI middleware (no per-request overhead beyond
    the check), refusing in the same {"error"} shape as every other error."""

    def __init__(self, app, hosts: list[str]):
        self.app, self.hosts = app, {host.lower() for host in hosts}

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            host = _host_name(Headers(scope=scope).get("host", ""))
            if host not in self.hosts:
                await JSONResponse({"error": f"host {host!r} is not served here"}, status_code=400)(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def api_error(request: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=exc.status, headers=exc.headers)


async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
    """404, 405 and the like in the same {"error": ...} shape as every other error."""
    return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    problem = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(part) for part in problem.get("loc", ())) or "request"
    return JSONResponse({"error": f"{where}: {problem.get('msg', first_line(exc))}"}, status_code=422)


def create_app(settings: ServeSettings | None = None, predictor: Predictor | None = None,
               line_reader: Predictor | None = None) -> FastAPI:
    """The app: the page at /, the API under /api; settings from the environment when none are given.

    Models already loaded (as `digits serve` loads them, to fail fast on a bad path) are used as they are;
    otherwise the lifespan loads the ones the settings name."""
    # /docs with Swagger UI's files served by the app itself, not a CDN: the API docs work offline too.
    app = FastAPIOffline(title="digits", summary="Handwritten digit recognition", version=__version__, lifespan=lifespan,
                         favicon_url="/favicon.ico")
    app.state.settings = settings = settings or ServeSettings()
    app.state.predictor, app.state.line_reader = predictor, line_reader
    app.add_middleware(TrustedHosts, hosts=settings.allowed_hosts)
    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=pages.WEB), name="static")
    return app
