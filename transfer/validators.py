"""Format checks for the IP references a listing cites."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

__all__ = ["patent_check_character", "validate_ip_reference", "normalize_ip_reference"]

# Chinese patent (application) numbers: ZL/CN + 12 digits (since 2003) or 8 digits, "." and a check
# character: Σ digitᵢ·weightᵢ mod 11 with weights 2,3,4,5,6,7,8,9,2,3,4,5; 10 is written X.
_PATENT_RE = re.compile(r"^(?:ZL|CN)?(\d{12}|\d{8})\.?([\dX])$")
# Software copyright registration numbers, e.g. 2023SR0123456.
_SOFTWARE_RE = re.compile(r"^\d{4}SR\d{6,7}$")
# New plant variety rights (CNA…) and IC layout designs (BS.…): format only.
_PLANT_RE = re.compile(r"^CNA\d{8,9}\.?\d?$")
_IC_RE = re.compile(r"^BS\.\d{9}\.?[\dX]?$")
_WEIGHTS = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]


def normalize_ip_reference(value: str) -> str:
    return re.sub(r"\s+", "", (value or "")).upper()


def patent_check_character(digits: str) -> str:
    total = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=False))
    rest = total % 11
    return "X" if rest == 10 else str(rest)


def validate_ip_reference(value: str) -> None:
    """A patent number with a correct check character, or a software copyright, plant variety or IC
    layout registration number."""
    ref = normalize_ip_reference(value)
    m = _PATENT_RE.match(ref)
    if m:
        if patent_check_character(m.group(1)) != m.group(2):
            raise ValidationError(
                _("The check character of patent number %(ref)s is wrong.") % {"ref": value},
                code="patent_check",
            )
        return
    if _SOFTWARE_RE.match(ref) or _PLANT_RE.match(ref) or _IC_RE.match(ref):
        return
    raise ValidationError(
        _(
            "%(ref)s is not a patent number (e.g. ZL202310123456.6), software copyright number "
            "(e.g. 2023SR0123456), plant variety or IC layout registration number."
        )
        % {"ref": value},
        code="ip_format",
    )
