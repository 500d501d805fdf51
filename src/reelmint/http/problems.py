"""RFC 9457 problem details: one shape for every error the API returns.

Each kind of error has a stable `type` (`/problems/<slug>`) that clients can branch on;
`title` is the same for every instance of a type, `detail` says what went wrong this
time. Domain code raises `Problem`; the app's handlers (and only they) turn it, and
FastAPI's own validation and routing errors, into `application/problem+json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True, slots=True)
class ProblemType:
    slug: str
    status: int
    title: str

    @property
    def uri(self) -> str:
        return f"/problems/{self.slug}"


def _t(slug: str, status: int, title: str) -> ProblemType:
    return ProblemType(slug, status, title)


MALFORMED = _t("malformed-request", 400, "The request could not be read")
UNAUTHORIZED = _t("unauthorized", 401, "Missing or unknown API key")
FORBIDDEN = _t("forbidden", 403, "Not allowed for this key")
NOT_FOUND = _t("not-found", 404, "No such resource")
METHOD_NOT_ALLOWED = _t("method-not-allowed", 405, "Method not allowed")
VALIDATION = _t("validation-error", 422, "The request is not valid")
ACCOUNT_CONFLICT = _t("account-exists-with-different-fields", 409,
                      "The account exists with a different asset or flags")  # fmt: skip
IDEMPOTENCY_REUSED = _t("idempotency-key-reused", 422,
                        "The idempotency key was used with a different request")  # fmt: skip
IDEMPOTENCY_IN_USE = _t("idempotency-key-in-use", 409,
                        "A request with this idempotency key is still running")  # fmt: skip
VIDEO_CONFLICT = _t("video-exists-with-different-fields", 409,
                    "The video id is taken by a different video")  # fmt: skip
ADS_CONFLICT = _t("ads-id-conflict", 409, "The id already stands for something else")
ADS_RULE = _t("ads-rule", 422, "The request breaks an Ads Manager rule")
RATE_LIMITED = _t("rate-limited", 429, "Too many requests for this key")
PAYLOAD_TOO_LARGE = _t("payload-too-large", 413, "The request body is too large")
NOT_READY = _t("not-ready", 503, "The service cannot reach its database")
INTERNAL = _t("internal-error", 500, "Internal error")
# LIVE gifts: one type per refusal a client acts on differently (buy coins, wait a day...).
GIFTS_CONFLICT = _t("gifts-conflict", 409, "The key or name already stands for something else")
NOT_LIVE = _t("not-live", 409, "The LIVE has ended, or the creator is already LIVE")
UNDER_AGE = _t("under-age", 403, "Below the minimum age for LIVE gifting")
ACCOUNT_NOT_ALLOWED = _t("account-not-allowed", 403,
                         "The account is not in good standing or owes coins")  # fmt: skip
NOT_ENOUGH_COINS = _t("not-enough-coins", 422, "The wallet does not hold enough coins")
NOT_ENOUGH_DIAMONDS = _t("not-enough-diamonds", 422, "The creator holds too few diamonds")
DAILY_LIMIT = _t("daily-limit-exceeded", 422, "Today's coin spending limit would be passed")
CASHOUT_REFUSED = _t("cashout-refused", 422, "Below the cash-out minimum or over today's cap")
GIFTS_RULE = _t("gifts-rule", 422, "The request breaks a LIVE gifts rule")
BAD_NOTIFICATION = _t("bad-notification", 400, "The notification's signature, age or body "
                      "does not check out")  # fmt: skip

ALL = (MALFORMED, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, METHOD_NOT_ALLOWED, VALIDATION,
       ACCOUNT_CONFLICT, VIDEO_CONFLICT, ADS_CONFLICT, ADS_RULE, IDEMPOTENCY_REUSED,
       IDEMPOTENCY_IN_USE, RATE_LIMITED, PAYLOAD_TOO_LARGE, NOT_READY, INTERNAL,
       GIFTS_CONFLICT, NOT_LIVE, UNDER_AGE, ACCOUNT_NOT_ALLOWED, NOT_ENOUGH_COINS,
       NOT_ENOUGH_DIAMONDS, DAILY_LIMIT, CASHOUT_REFUSED, GIFTS_RULE,
       BAD_NOTIFICATION)  # fmt: skip
BY_STATUS = {t.status: t for t in reversed(ALL)}  # the first type listed for a status wins


def for_status(status: int) -> ProblemType:
    """The problem type for an HTTP error that the framework raised with `status`.

    A status with no type of its own gets a generic one that keeps it: falling back to
    INTERNAL made the body say 500 under another HTTP status."""
    return BY_STATUS.get(status) or _t("http-error", status, "HTTP error")


class Problem(Exception):
    """Raised anywhere in a request; answered as problem details."""

    def __init__(
        self, kind: ProblemType, detail: str, *, headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:  # fmt: skip
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body = {"type": self.kind.uri, "title": self.kind.title, "status": self.kind.status,
                "detail": self.detail, **self.extensions}  # fmt: skip
        if instance:
            body["instance"] = instance
        return body


class ProblemDetails(BaseModel):
    """RFC 9457 problem details. Extensions (such as `errors`) may follow."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["/problems/forbidden"])
    title: str
    status: int
    detail: str
    instance: str | None = None


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for a route's error statuses, all as problem details."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in sorted(set(statuses)):
        kinds = [t for t in ALL if t.status == status]
        description = "; ".join(f"{t.uri}: {t.title}" for t in kinds) or "Error"
        out[status] = {
            "description": description,
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
        }
    return out
