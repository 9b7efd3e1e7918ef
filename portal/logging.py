import logging

from .context import current

__all__ = ["RequestContextFilter"]


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        ctx = current()
        record.request_id = ctx.request_id if ctx else "-"
        return True
