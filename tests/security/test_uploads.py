"""Uploads: a size limit, the type judged by the content and never by the name, names sanitized, and
downloads served as attachments with ``X-Content-Type-Options: nosniff``."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal import attachments
from portal.exceptions import ValidationError

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(ticket, user, name, content):
    return attachments.attach(ticket, SimpleUploadedFile(name, content), actor=user)


def test_size_limit(ticket, applicant, settings):
    settings.ATTACHMENT_MAX_BYTES = 4096
    assert upload(ticket, applicant, "ok.pdf", PDF + b"0" * (4096 - len(PDF))).size == 4096
    with pytest.raises(ValidationError) as exc:
        upload(ticket, applicant, "big.pdf", PDF + b"0" * 4096)
    assert "file" in exc.value.message_dict
    with pytest.raises(ValidationError):
        upload(ticket, applicant, "empty.pdf", b"")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\xff\xff\x00\x00"),  # a Windows executable
        ("photo.png", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 16),  # a Linux executable
        ("notes.txt", b"<html><body><script>alert(1)</script>"),
        ("image.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("page.txt", b"<!DOCTYPE html><p>hi"),
        ("data.csv", b"a,b\x00\x01\x02"),
    ],
)
def test_type_comes_from_the_content_not_the_name(ticket, applicant, name, content):
    with pytest.raises(ValidationError):
        upload(ticket, applicant, name, content)


def test_accepted_types_are_named_after_their_content(ticket, applicant):
    assert upload(ticket, applicant, "scan.png", PNG).mime_type == "image/png"
    pdf_as_text = upload(ticket, applicant, "minutes.txt", PDF)
    assert pdf_as_text.mime_type == "application/pdf" and pdf_as_text.original_name == "minutes.txt.pdf"
    csv = upload(ticket, applicant, "名单.csv", "姓名,单位\n张三,京华理工大学\n".encode())
    assert csv.mime_type == "text/plain" and csv.original_name == "名单.csv"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system32\\evil.pdf", "evil.pdf"),
        ("invoice\u202efdp.exe", "invoice_fdp.exe.pdf"),  # right-to-left override: would show as exe.pdf
        ('a"; filename="evil.html.pdf', "a__ filename=_evil.html.pdf"),
        ("line\r\nSet-Cookie: x=1.pdf", "line__Set-Cookie_ x=1.pdf"),
        ("...", "file.pdf"),
        ("合同（盖章版）.pdf", "合同（盖章版）.pdf"),
        ("x" * 300 + ".pdf", "x" * 200 + ".pdf"),
    ],
)
def test_names_are_sanitized(ticket, applicant, name, expected):
    att = upload(ticket, applicant, name, PDF)
    assert att.original_name == expected
    assert att.original_name not in att.file.name  # stored under a generated name
    assert ".." not in att.file.name


def test_download_is_an_attachment_with_nosniff(ticket, applicant, bj_officer, client):
    att = upload(ticket, applicant, 'x"\r\n<b>.pdf', PDF)
    client.force_login(bj_officer)
    resp = client.get(f"/attachments/{att.pk}/download/")
    assert resp.status_code == 200
    assert b"".join(resp.streaming_content) == PDF
    disposition = resp["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\r" not in disposition and "\n" not in disposition
    assert "<" not in disposition
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert resp["Content-Type"] == "application/pdf"
    assert "default-src 'self'" in resp["Content-Security-Policy"]
    text = upload(ticket, applicant, "说明.txt", "纯文本".encode())
    resp = client.get(f"/attachments/{text.pk}/download/")
    assert resp["Content-Type"].startswith("text/plain") and resp["Content-Disposition"].startswith(
        "attachment;"
    )
    assert resp["X-Content-Type-Options"] == "nosniff"
