"""The valuation report, end to end: the institution uploads it with the value (page and API), the
owner downloads it, and a file of a type not accepted is a 400 naming ``report`` with nothing saved."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.models import Attachment, OrganizationKind, Role
from tests.conftest import api_as
from tests.factories import member
from transfer import services
from transfer.models import ValuationRequest, ValuationState

from .factories import ListingFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256))


@pytest.fixture
def accepted():
    owner = member("110000")
    inst = member("120000", kind=OrganizationKind.PROVIDER, role=Role.PROVIDER_MEMBER)
    listing = ListingFactory(owner=owner.organization)
    v = services.valuation_request(actor=owner, listing=listing, institution=inst.organization)
    services.valuation_accept(v, actor=inst)
    return owner, inst, v


def test_report_uploaded_on_the_page_and_downloaded_by_the_owner(client, accepted):
    owner, inst, v = accepted
    url = f"/transfer/valuations/{v.pk}/transition/"
    client.force_login(inst)
    bad = client.post(
        url,
        {"transition": "complete", "result_value": "1800000", "report": SimpleUploadedFile("r.pdf", EXE)},
    )
    assert bad.status_code == 400 and 'data-field="report"' in bad.content.decode()
    v.refresh_from_db()
    assert v.state == ValuationState.ACCEPTED and v.result_value is None and not Attachment.objects.exists()
    neg = client.post(url, {"transition": "complete", "result_value": "-1"})
    assert neg.status_code == 400 and 'data-field="result_value"' in neg.content.decode()

    ok = client.post(
        url,
        {
            "transition": "complete",
            "result_value": "1800000",
            "report": SimpleUploadedFile("评估报告.pdf", PDF),
        },
    )
    assert ok.status_code == 302
    v.refresh_from_db()
    assert v.state == ValuationState.COMPLETED and str(v.result_value) == "1800000.00"
    att = Attachment.objects.get()
    assert att.purpose == "valuation_report" and att.mime_type == "application/pdf"

    client.force_login(owner)
    page = client.get("/transfer/valuations/").content.decode()
    assert "评估报告.pdf" in page and f"/attachments/{att.pk}/download/" in page
    assert "评估报告.pdf" in client.get(v.listing.get_absolute_url()).content.decode()
    download = client.get(f"/attachments/{att.pk}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    client.force_login(member("130000"))
    assert client.get(f"/attachments/{att.pk}/download/").status_code == 404


def test_report_uploaded_over_the_api(accepted):
    owner, inst, v = accepted
    url = f"/api/v1/transfer/valuations/{v.pk}/transition/complete/"
    api = api_as(inst)
    bad = api.post(
        url, {"result_value": "900000", "report": SimpleUploadedFile("r.pdf", EXE)}, format="multipart"
    )
    assert bad.status_code == 400 and list(bad.json()["error"]["fields"]) == ["report"]
    empty = api.post(
        url, {"result_value": "900000", "report": SimpleUploadedFile("r.pdf", b"")}, format="multipart"
    )
    assert empty.status_code == 400 and "report" in empty.json()["error"]["fields"]
    word = api.post(url, {"result_value": "abc"}, format="multipart")
    assert word.status_code == 400 and "result_value" in word.json()["error"]["fields"]
    assert ValuationRequest.objects.get(pk=v.pk).state == ValuationState.ACCEPTED
    assert not Attachment.objects.exists()

    done = api.post(
        url,
        {"result_value": "900000", "result_note": "收益法", "report": SimpleUploadedFile("report.pdf", PDF)},
        format="multipart",
    )
    assert done.status_code == 200, done.json()
    body = done.json()
    assert body["state"] == "completed" and body["result_value"] == "900000.00"
    assert body["report"]["name"] == "report.pdf" and len(body["report"]["sha256"]) == 64
    listed = api_as(owner).get("/api/v1/transfer/valuations/").json()["results"][0]
    assert listed["report"]["id"] == body["report"]["id"]
    from django.test import Client

    browser = Client()
    browser.force_login(owner)
    assert browser.get(listed["report"]["url"]).status_code == 200
