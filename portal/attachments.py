"""Uploads with size and type limits (type sniffed from the content, not the name), SHA-256 recorded at
upload and checked at every download, downloads only through a permission-checked view."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.http import FileResponse
from django.utils.translation import gettext as _

from . import audit
from .exceptions import ValidationError
from .models import Attachment, User, content_type_for

__all__ = [
    "ALLOWED_TYPES",
    "sniff_type",
    "safe_name",
    "attach",
    "open_verified",
    "IntegrityFailure",
    "attachments_of",
]

# Allowed types by their magic bytes. Office files are zip containers.
ALLOWED_TYPES = {
    "application/pdf": [b"%PDF-"],
    "image/png": [b"\x89PNG\r\n\x1a\n"],
    "image/jpeg": [b"\xff\xd8\xff"],
    "application/zip": [b"PK\x03\x04"],
    "application/vnd.ms-office": [b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"],
}
TEXT_TYPES = {"text/plain", "text/csv"}
# The extensions a file of each sniffed type may carry in its download name; another extension gets the
# type's own appended (``report.exe`` holding a PDF is offered as ``report.exe.pdf``).
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "application/zip": (".zip", ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".ofd"),
    "application/vnd.ms-office": (".doc", ".xls", ".ppt"),
    "text/plain": (".txt", ".csv", ".md", ".json", ".xml", ".log"),
}
# Text that a browser could run as a page or script if it ever ignored the download headers.
_ACTIVE_TEXT = (b"<script", b"<html", b"<svg", b"<!doctype", b"<?xml-stylesheet", b"<iframe")


def sniff_type(head: bytes) -> str | None:
    for mime, magics in ALLOWED_TYPES.items():
        if any(head.startswith(m) for m in magics):
            return mime
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        # a multi-byte character cut at the end of the sample is still text
        try:
            head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return None
    lowered = head.lower()
    if b"\x00" in head or any(marker in lowered for marker in _ACTIVE_TEXT):
        return None
    return "text/plain"


def safe_name(name: str, mime: str | None = None) -> str:
    """A display name without path parts, control or bidirectional-override characters (kept only for
    Content-Disposition; files are stored under a generated name), with an extension matching ``mime``."""
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    name = "".join("_" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in name)
    name = re.sub(r"[\x00-\x1f\x7f\"<>:|?*;%/\\]", "_", name).strip(" .")
    name = (name or "file")[:200]
    allowed = EXTENSIONS.get(mime or "")
    if allowed and not name.lower().endswith(allowed):
        name += allowed[0]
    return name


class IntegrityFailure(Exception):
    """A stored file no longer matches the SHA-256 recorded at upload."""


def attach(
    obj: models.Model, upload: UploadedFile, *, actor: User, purpose: str = "", field: str = "file"
) -> Attachment:
    """Store ``upload`` against ``obj`` after checking size and content type."""
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                field: _("The file is larger than %(mb)d MB.")
                % {"mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
            }
        )
    if upload.size == 0:
        raise ValidationError({field: _("The file is empty.")})
    upload.seek(0)
    head = upload.read(2048)
    mime = sniff_type(head)
    if mime is None:
        raise ValidationError(
            {field: _("This type of file is not accepted: upload PDF, images, Office files or plain text.")}
        )
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        att = Attachment(
            content_type=content_type_for(obj),
            object_id=str(obj.pk),
            purpose=purpose,
            original_name=safe_name(upload.name, mime),
            mime_type=mime,
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
        )
        att.file.save("upload", upload, save=False)
        att.save()
        audit.record(
            audit.AuditAction.CREATE,
            obj,
            actor=actor,
            message=f"attachment {att.original_name} sha256={att.sha256}",
        )
    return att


def open_verified(att: Attachment, *, actor: User) -> FileResponse:
    """The file as a download, after checking its SHA-256; audited."""
    digest = hashlib.sha256()
    with att.file.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    if digest.hexdigest() != att.sha256:
        audit.record(
            audit.AuditAction.DOWNLOAD,
            att.target,
            actor=actor,
            message=f"INTEGRITY FAILURE attachment {att.pk}",
        )
        raise IntegrityFailure(att.pk)
    audit.record(
        audit.AuditAction.DOWNLOAD,
        att.target,
        actor=actor,
        message=f"attachment {att.pk} {att.original_name}",
    )
    response = FileResponse(
        att.file.open("rb"), as_attachment=True, filename=att.original_name, content_type=att.mime_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def attachments_of(obj: models.Model):
    return Attachment.objects.filter(content_type=content_type_for(obj), object_id=str(obj.pk))
