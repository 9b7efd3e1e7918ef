"""Excel exports of any list, with the filters applied, audited. Small ones stream at once; large ones
run as a Celery job (see ExportJob)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import xlsxwriter
from django.http import HttpResponse
from django.utils import timezone

from . import audit
from .models import User

__all__ = ["Column", "write_xlsx", "xlsx_response"]

Column = tuple[str, Callable[[Any], Any]]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, int | float | str):
        return value
    return str(value)


def write_xlsx(
    fh,
    columns: Sequence[Column],
    rows: Iterable[Any],
    *,
    title: str = "",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write rows to an .xlsx in constant memory; returns the number of rows."""
    workbook = xlsxwriter.Workbook(fh, {"constant_memory": True, "in_memory": False})
    sheet = workbook.add_worksheet((title or "export")[:31])
    bold = workbook.add_format({"bold": True})
    for c, (header, _fn) in enumerate(columns):
        sheet.write(0, c, str(header), bold)
        sheet.set_column(c, c, 18)
    n = 0
    for n, row in enumerate(rows, start=1):
        for c, (_h, fn) in enumerate(columns):
            sheet.write(n, c, _cell(fn(row)))
        if progress and n % 500 == 0:
            progress(n)
    workbook.close()
    return n


def xlsx_response(
    filename: str, columns: Sequence[Column], rows: Iterable[Any], *, actor: User, description: str = ""
) -> HttpResponse:
    buf = io.BytesIO()
    count = write_xlsx(buf, columns, rows, title=filename)
    audit.record(
        audit.AuditAction.EXPORT, None, actor=actor, message=f"{filename}: {count} rows {description}"[:500]
    )
    response = HttpResponse(buf.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}.xlsx"
    return response
