"""Log records carry the request id, and never an ID or mobile phone number in clear (PIPL): both are
masked in the formatted message, whatever code logged them."""

import logging
import re

from .context import current
from .validators import mask_id_number, mask_phone

__all__ = ["RequestContextFilter", "mask_personal_data"]

_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE_RE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9]\d{9}(?![0-9])")


def mask_personal_data(text: str) -> str:
    text = _ID_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    return _MOBILE_RE.sub(lambda m: mask_phone(m.group(0)), text)


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        ctx = current()
        record.request_id = ctx.request_id if ctx else "-"
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is left to the handler to report
            return True
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
