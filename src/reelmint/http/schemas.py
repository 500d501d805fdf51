"""The base of every request model: strict types, unknown fields refused.

`false` is not an integer and `"5"` is not an amount, so a client's mistake is a 422
rather than a silent coercion; a misspelt field is refused rather than ignored.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


def not_a_number(value: object) -> object:
    """Pydantic reads a number, or digits in a query string, as Unix seconds (20261101
    is 1970-08-23); a field that promises an RFC 3339 date-time refuses them rather than
    misread them. Shared by the JSON bodies and the query parameters."""
    try:
        float(str(value))
    except ValueError:
        return value
    raise ValueError("expected an ISO 8601 date-time with a zone, e.g. 2026-11-01T12:00:00Z")


# A date-time with a zone, from its ISO 8601 text (strict mode would refuse any text).
Moment = Annotated[AwareDatetime, BeforeValidator(not_a_number), Field(strict=False)]
