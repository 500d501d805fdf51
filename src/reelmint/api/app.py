"""The app factory: one FastAPI app over one `Platform`, with every router mounted.

`create_app(platform)` builds it (tests and `reelmint serve` both call it);
`app_from_env()` is the factory Uvicorn's workers call, reading settings from the
environment that `reelmint serve` set up.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from reelmint.ads import routes as ads_routes
from reelmint.ads import serve_routes
from reelmint.api import books, events, keys
from reelmint.api.observe import Metrics, Observe
from reelmint.content.model import ContentError
from reelmint.feed import routes as feed_routes
from reelmint.gifts import live_routes
from reelmint.gifts import routes as gifts_routes
from reelmint.gifts.model import GiftsError
from reelmint.gifts.webhooks import BadNotification
from reelmint.http import problems
from reelmint.http.auth import Authenticator
from reelmint.http.idempotency import IdempotencyStore
from reelmint.http.problems import MEDIA_TYPE, Problem, ProblemDetails
from reelmint.http.ratelimit import RateLimiter
from reelmint.ledger.model import LedgerError
from reelmint.parties.model import PartyError
from reelmint.parties.store import PartyStore
from reelmint.platform import Platform
from reelmint.rewards import routes as rewards_routes
from reelmint.rewards.model import RewardsError

log = logging.getLogger("reelmint.http")


def create_app(platform: Platform) -> FastAPI:
    api = platform.settings.api

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Routes run on AnyIO's thread pool (40 threads by default). With more threads than
        # pooled connections, the extra threads open and close a connection per request;
        # matching the two keeps every connection (and its prepared statements) warm.
        anyio.to_thread.current_default_thread_limiter().total_tokens = (
            platform.settings.db_pool_size
        )
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="reelmint",
        version="0.1.0",
        description="The books, parties, events, For You feed, ads, LIVE gifts and creator "
        "rewards of a short-video platform. Authenticate with `Authorization: Bearer <API "
        "key>`; errors are RFC 9457 problem details.",
    )
    metrics = Metrics()
    parties = PartyStore(platform.engine)
    limiter = (
        RateLimiter(api.rate_limit_per_s, api.rate_limit_burst) if api.rate_limit_per_s else None
    )
    app.state.platform = platform
    app.state.parties = parties
    app.state.metrics = metrics
    app.state.clock = lambda: datetime.now(UTC)  # the edge reads the clock; domains get `now`
    app.state.authenticator = Authenticator(parties, limiter, cache_s=api.key_cache_s)
    app.state.idempotency = IdempotencyStore(platform.engine, ttl_s=api.idempotency_ttl_s)
    app.include_router(books.router)
    app.include_router(keys.router)
    app.include_router(events.router)
    app.include_router(feed_routes.router)
    app.include_router(ads_routes.router)
    app.include_router(serve_routes.router)
    app.include_router(gifts_routes.router)
    app.include_router(live_routes.router)
    app.include_router(rewards_routes.router)
    _add_health(app, metrics)
    _add_problem_handlers(app)
    app.add_middleware(Observe, metrics=metrics)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def app_from_env() -> FastAPI:
    """For `uvicorn --factory`: settings from REELMINT_* (set by `reelmint serve`)."""
    from reelmint.api.observe import configure_logging
    from reelmint.settings import load_settings

    settings = load_settings()
    configure_logging(settings.api.log_level)
    return create_app(Platform.open(settings))


def _add_health(app: FastAPI, metrics: Metrics) -> None:
    @app.get("/healthz", tags=["health"], responses=problems.responses(422))
    def healthz() -> dict[str, str]:
        """The process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses=problems.responses(503))
    def readyz(request: Request) -> dict[str, str]:
        """The process answers and its database does too."""
        try:
            with request.app.state.platform.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError as exc:
            raise Problem(
                problems.NOT_READY, f"database check failed: {type(exc).__name__}"
            ) from exc
        return {"status": "ready"}

    @app.get(
        "/metrics",
        tags=["health"],
        response_class=PlainTextResponse,
        responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
    )
    def metrics_text() -> PlainTextResponse:  # fmt: skip
        """Prometheus metrics of this worker."""
        return PlainTextResponse(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


def _problem_response(request: Request, problem: Problem) -> JSONResponse:
    return JSONResponse(problem.body(request.url.path), problem.kind.status,
                        headers=problem.headers, media_type=MEDIA_TYPE)  # fmt: skip


def _add_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> JSONResponse:
        return _problem_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid"}
        where = ".".join(str(p) for p in first["loc"])
        detail = f"{where}: {first['msg']}" if where else str(first["msg"])
        return _problem_response(request, Problem(problems.VALIDATION, detail, errors=errors))

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException) -> JSONResponse:
        # FastAPI raises these for routing (404, 405) and for a body it cannot read (400).
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
        problem = Problem(problems.for_status(exc.status_code), str(exc.detail), headers=headers)
        return _problem_response(request, problem)

    @app.exception_handler(LedgerError)
    @app.exception_handler(PartyError)
    @app.exception_handler(ContentError)
    async def on_domain(request: Request, exc: Exception) -> JSONResponse:
        return _problem_response(request, Problem(problems.VALIDATION, str(exc)))

    @app.exception_handler(GiftsError)
    @app.exception_handler(BadNotification)
    async def on_gifts(request: Request, exc: Exception) -> JSONResponse:
        return _problem_response(request, gifts_routes.refusal(exc))

    @app.exception_handler(RewardsError)
    async def on_rewards(request: Request, exc: RewardsError) -> JSONResponse:
        return _problem_response(request, rewards_routes.refusal(exc))

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _problem_response(request, Problem(problems.INTERNAL, "unexpected error; "
                                                  "the request id is in X-Request-ID"))  # fmt: skip


def _allowed_methods(request: Request) -> str | None:
    """Every method the schema documents for this path. Starlette's 405 names only the
    methods of the first route that matched it (`POST` for /v1/keys, which has GET too)."""
    path = request.scope["path"]
    methods = {method.upper() for template, operations in request.app.openapi()["paths"].items()
               if compile_path(template)[0].match(path) for method in operations}  # fmt: skip
    return ", ".join(sorted(methods)) or None


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The schema, with problem details registered and FastAPI's default 422 replaced (and
    the 400 it answers for an unreadable body declared)."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description,
                         routes=app.routes)  # fmt: skip
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ProblemDetails"] = ProblemDetails.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            operation.get("responses", {}).pop("422", None)
            # A body that is not UTF-8 (or otherwise unreadable) is FastAPI's 400, not 422.
            statuses = (400, 422) if "requestBody" in operation else (422,)
            operation["responses"].update(
                {str(k): v for k, v in problems.responses(*statuses).items()}
            )
    app.openapi_schema = schema
    return schema
