"""Validators for the national identifiers the portal stores (see ../shared/STANDARDS.md).

Each identifier's rule lives here once; forms, serializers and model fields all call these.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

__all__ = [
    "USCC_CHARSET",
    "uscc_check_character",
    "validate_uscc",
    "normalize_uscc",
    "id_number_check_character",
    "validate_id_number",
    "normalize_id_number",
    "mask_id_number",
    "mask_phone",
    "CharacterClassValidator",
]

# GB 32100-2015: 31 characters, no I, O, S, V, Z.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_USCC_RE = re.compile(rf"^[{USCC_CHARSET}]{{18}}$")


def normalize_uscc(value: str) -> str:
    return (value or "").strip().upper()


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_CHARSET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    """Raise ValidationError unless ``value`` is a valid 统一社会信用代码 (GB 32100-2015)."""
    code = normalize_uscc(value)
    if not _USCC_RE.match(code):
        raise ValidationError(
            _(
                "A unified social credit code is 18 characters of digits and capital letters (no I, O, S, V, Z)."
            ),
            code="uscc_format",
        )
    if uscc_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong: please check the code."),
            code="uscc_check",
        )


# GB 11643-1999
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def normalize_id_number(value: str) -> str:
    return (value or "").strip().upper()


def id_number_check_character(first17: str) -> str:
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str) -> None:
    """Raise ValidationError unless ``value`` is a valid 居民身份证号码 (GB 11643-1999)."""
    number = normalize_id_number(value)
    if not _ID_RE.match(number):
        raise ValidationError(_("An ID number is 17 digits followed by a digit or X."), code="id_format")
    try:
        datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in this ID number is not a real date."), code="id_birth_date"
        ) from None
    if id_number_check_character(number[:17]) != number[17]:
        raise ValidationError(
            _("The check digit of this ID number is wrong: please check the number."), code="id_check"
        )


def mask_id_number(value: str) -> str:
    """``110105********002X``: region code and last four kept, birth date and sequence hidden."""
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


class CharacterClassValidator:
    """A password must mix at least three of: lower case, upper case, digits, other characters (MLPS level 3)."""

    def validate(self, password: str, user=None) -> None:
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 3:
            raise ValidationError(
                _("The password must mix at least three of: lower-case letters, capitals, digits, symbols."),
                code="password_classes",
            )

    def get_help_text(self) -> str:
        return _("Mix at least three of: lower-case letters, capitals, digits, symbols.")
