"""Uploads: size and type limits (type by content), SHA-256 checked on download, download only with permission."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal import attachments
from portal.exceptions import ValidationError
from portal.models import AuditAction, AuditEntry

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.django_db
def test_size_and_type_limits(ticket, applicant, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as exc:
        attachments.attach(ticket, SimpleUploadedFile("big.pdf", PDF + b"0" * 2000), actor=applicant)
    assert list(exc.value.message_dict) == ["file"]
    # an executable renamed to .pdf is refused: the type comes from the content
    with pytest.raises(ValidationError):
        attachments.attach(
            ticket, SimpleUploadedFile("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"), actor=applicant
        )
    with pytest.raises(ValidationError):
        attachments.attach(
            ticket, SimpleUploadedFile("page.txt", b"<html><script>x</script>"), actor=applicant
        )
    with pytest.raises(ValidationError):
        attachments.attach(ticket, SimpleUploadedFile("empty.pdf", b""), actor=applicant)
    att = attachments.attach(ticket, SimpleUploadedFile("../../说明.exe", PDF), actor=applicant)
    assert att.mime_type == "application/pdf" and att.original_name == "说明.exe.pdf"
    assert att.sha256 == hashlib.sha256(PDF).hexdigest()
    assert "说明" not in att.file.name and ".." not in att.file.name


@pytest.mark.django_db
def test_download_checks_permission_and_integrity(ticket, applicant, bj_officer, tj_officer, client):
    att = attachments.attach(ticket, SimpleUploadedFile("合同.pdf", PDF), actor=applicant)
    url = f"/attachments/{att.pk}/download/"
    client.force_login(bj_officer)
    resp = client.get(url)
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == PDF
    assert "attachment" in resp["Content-Disposition"]
    assert AuditEntry.objects.filter(action=AuditAction.DOWNLOAD, actor=bj_officer).count() == 1

    client.force_login(tj_officer)  # another region's official may not see the ticket
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to sign-in

    with open(att.file.path, "r+b") as fh:  # someone alters the stored file
        fh.seek(10)
        fh.write(b"X")
    client.force_login(bj_officer)
    resp = client.get(url)
    assert resp.status_code == 409
    assert AuditEntry.objects.filter(message__startswith="INTEGRITY FAILURE").count() == 1
