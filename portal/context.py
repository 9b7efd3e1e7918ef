"""The request being served (actor, IP, request id), visible to audit and logging without passing it around."""

from __future__ import annotations

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

__all__ = ["RequestContext", "current", "bind"]


@dataclass
class RequestContext:
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    ip: str | None = None
    user_id: int | None = None


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "portal_request", default=None
)


def current() -> RequestContext | None:
    return _current.get()


@contextmanager
def bind(ctx: RequestContext):
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
