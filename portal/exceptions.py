"""Errors a service raises. The API's exception handler and the pages turn them into 4xx answers."""

from django.core.exceptions import PermissionDenied, ValidationError

__all__ = ["ValidationError", "PermissionDenied", "TransitionNotAllowed", "Conflict"]


class TransitionNotAllowed(Exception):
    """The record is not in a state where this step can be taken (HTTP 409)."""

    def __init__(self, message: str, *, code: str = "invalid_state"):
        super().__init__(message)
        self.message = message
        self.code = code


class Conflict(TransitionNotAllowed):
    """The request clashes with the record's current state or another request (HTTP 409)."""
