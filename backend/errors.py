"""Domain errors: each carries its HTTP status and a bilingual message; one handler renders them."""

from __future__ import annotations

from grader.contract import Text


class KadaiError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, en: str, ja: str | None = None) -> None:
        super().__init__(en)
        self.text = Text(en=en, ja=ja or en)


class NotAuthenticated(KadaiError):
    status_code = 401
    code = "not_authenticated"


class Forbidden(KadaiError):
    status_code = 403
    code = "forbidden"


class NotFound(KadaiError):
    status_code = 404
    code = "not_found"


class Conflict(KadaiError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(KadaiError):
    status_code = 413
    code = "payload_too_large"


class Invalid(KadaiError):
    status_code = 422
    code = "invalid"


class RateLimited(KadaiError):
    status_code = 429
    code = "rate_limited"
