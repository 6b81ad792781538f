"""The exception tree, redaction, and turning responses and transport failures into errors."""

from __future__ import annotations

import pytest

from explorer.api import ErrorObject
from explorer.http import errors
from explorer.http.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ExplorerError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    StreamError,
    StreamInterruptedError,
    UnprocessableEntityError,
)

KEY = "sk-test-SENTINEL-1234567890"


# ---------------------------------------------------------------- the tree


@pytest.mark.parametrize(
    ("cls", "parent"),
    [
        (APIError, ExplorerError),
        (APIStatusError, APIError),
        (BadRequestError, APIStatusError),
        (AuthenticationError, APIStatusError),
        (PermissionDeniedError, APIStatusError),
        (NotFoundError, APIStatusError),
        (ConflictError, APIStatusError),
        (UnprocessableEntityError, APIStatusError),
        (RateLimitError, APIStatusError),
        (InternalServerError, APIStatusError),
        (APIConnectionError, APIError),
        (APITimeoutError, APIConnectionError),
        (StreamError, APIError),
        (StreamInterruptedError, APIError),
        (ResponseValidationError, APIError),
    ],
)
def test_tree(cls: type[Exception], parent: type[Exception]) -> None:
    assert issubclass(cls, parent)
    assert issubclass(cls, ExplorerError)


@pytest.mark.parametrize(
    ("cls", "not_parent"),
    [
        (APIConnectionError, APIStatusError),
        (APITimeoutError, APIStatusError),
        (StreamError, APIStatusError),
        (StreamInterruptedError, APIConnectionError),
        (ResponseValidationError, APIStatusError),
        (RateLimitError, InternalServerError),
    ],
)
def test_tree_branches_are_separate(cls: type[Exception], not_parent: type[Exception]) -> None:
    assert not issubclass(cls, not_parent)


def test_every_public_class_has_a_raised_when_docstring_and_is_drawn_in_the_tree() -> None:
    module_doc = errors.__doc__ or ""
    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert obj.__doc__ and obj.__doc__.startswith("Raised when"), name
            assert name in module_doc, name


# ---------------------------------------------------------------- the other errors


def test_stream_error_carries_the_error_object_redacted() -> None:
    obj = ErrorObject(message=f"key {KEY} broke", type="server_error", code=500)
    exc = StreamError(f"broke: {KEY}", error=obj, chunks_received=3, secrets=[KEY])
    assert exc.error is not None and exc.error.type == "server_error"
    assert KEY not in exc.error.message and KEY not in str(exc) and KEY not in repr(exc)
    assert exc.chunks_received == 3


def test_stream_interrupted_and_validation_errors() -> None:
    exc = StreamInterruptedError("cut", chunks_received=2)
    assert exc.chunks_received == 2 and "incomplete" in exc.hint
    err = ResponseValidationError("bad", field="choices.0.index")
    assert err.field == "choices.0.index" and "/v1" in err.hint


def test_repr_and_str() -> None:
    exc = NotFoundError("The model `nope` does not exist", status_code=404, code="model_not_found")
    assert repr(exc) == (
        "NotFoundError(status_code=404, message='The model `nope` does not exist', "
        "code='model_not_found')"
    )
    assert str(exc) == "Error 404 Not Found: The model `nope` does not exist"
    assert exc.args == (str(exc),)
