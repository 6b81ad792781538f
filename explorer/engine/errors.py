"""The engine's refusals, as OpenAI's error objects."""

from __future__ import annotations

from ..api import ErrorBody, ErrorObject

__all__ = ["EngineError"]


class EngineError(Exception):
    """A request the engine refuses, with OpenAI's error fields."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        type: str = "invalid_request_error",
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status, self.message, self.param, self.code, self.type = (
            status,
            message,
            param,
            code,
            type,
        )
        self.headers = headers or {}

    def body(self) -> ErrorBody:
        return ErrorBody(
            error=ErrorObject(
                message=self.message, type=self.type, param=self.param, code=self.code
            )
        )
