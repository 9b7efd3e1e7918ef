"""The pages: the whole path by browser forms, queues, masking in pages and exports, the public
verification page, the registry import with its row report, and fixed query counts."""

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from talent import services
from talent.models import Certificate, RecognitionRequest, RegistryEntry, RegistryImport

from .factories import file_request, make_id_number, pdf, registry_entry, request_data

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def _xlsx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return " ".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist())


def test_whole_path_by_pages(agencies):
    number = make_id_number()
    applicant = _client(agencies.employer)
    assert applicant.get(reverse("talent:home")).status_code == 200
    assert applicant.get(reverse("talent:request_new")).status_code == 200
    data = request_data(id_number=number)
    data["issued_on"] = data["issued_on"].isoformat()
    data["evidence"] = pdf()
    resp = applicant.post(reverse("talent:request_new"), data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    req = RecognitionRequest.objects.get()
    assert number not in applicant.get(req.get_absolute_url()).content.decode()

    host, issuer = _client(agencies.officer["120000"]), _client(agencies.officer["110000"])
    url = reverse("talent:request_transition", args=[req.pk])
    page = host.get(reverse("talent:request_list") + "?queue=decision").content.decode()
    assert req.reference in page
    detail = host.get(req.get_absolute_url()).content.decode()
    assert number in detail and 'value="request_verification"' in detail
    host.post(url, {"do": "request_verification"})
    assert (
        req.reference in issuer.get(reverse("talent:request_list") + "?queue=verification").content.decode()
    )
    issuer.post(url, {"do": "acknowledge"})
    resp = issuer.post(url, {"do": "not_verify", "reason": ""}, follow=True)
    assert RecognitionRequest.objects.get(pk=req.pk).state == "acknowledged"
    issuer.post(url, {"do": "verify"})
    resp = host.post(url, {"do": "recognize"}, follow=True)
    assert resp.status_code == 200
    req.refresh_from_db()
    assert req.state == "recognized"
    cert = Certificate.objects.get(request=req)
    page = applicant.get(cert.get_absolute_url()).content.decode()
    assert "<svg" in page and cert.code in page and number not in page


def test_page_refusals(agencies):
    req = file_request(agencies.employer)
    outsider = _client(agencies.officer["130000"])
    assert outsider.get(req.get_absolute_url()).status_code == 404
    assert (
        outsider.post(reverse("talent:request_transition", args=[req.pk]), {"do": "verify"}).status_code
        == 404
    )
    issuer = _client(agencies.officer["110000"])
    resp = issuer.post(
        reverse("talent:request_transition", args=[req.pk]), {"do": "request_verification"}, follow=True
    )
    assert RecognitionRequest.objects.get(pk=req.pk).state == "submitted"
    assert resp.status_code == 200
    assert issuer.get(reverse("talent:request_new")).status_code == 403
    applicant = _client(agencies.employer)
    data = request_data(id_number="110105194912310021")
    data["issued_on"] = data["issued_on"].isoformat()
    resp = applicant.post(reverse("talent:request_new"), data)
    assert resp.status_code == 400 and 'data-field="id_number"' in resp.content.decode()
    data = request_data()
    data["issued_on"] = data["issued_on"].isoformat()
    resp = applicant.post(reverse("talent:request_new"), data)  # no evidence, not in registry
    assert resp.status_code == 400 and 'data-field="evidence"' in resp.content.decode()
    assert Client().get(reverse("talent:request_list")).status_code == 302


def test_no_full_id_number_in_pages_or_exports_without_the_right(agencies):
    number = make_id_number()
    req = file_request(agencies.employer, id_number=number)
    services.request_forward(req, actor=agencies.officer["120000"])
    services.request_verify(req, actor=agencies.officer["110000"])
    services.request_recognize(req, actor=agencies.officer["120000"])
    registry_entry(certificate_number="BJ-P-1", holder_name="王建国", id_number=number)
    req.refresh_from_db()
    pages = [
        reverse("talent:home"),
        reverse("talent:request_list"),
        req.get_absolute_url(),
        req.certificate.get_absolute_url(),
        reverse("talent:appointment_list"),
        reverse("talent:registry"),
        reverse("talent:verify") + f"?code={req.certificate.code}",
    ]
    for user in (
        agencies.employer,
        agencies.officer["130000"],
        agencies.coordinator["120000"],
        agencies.coordinator["110000"],
    ):
        client = _client(user)
        for path in pages:
            resp = client.get(path)
            assert number not in resp.content.decode(), (user, path)
        export = client.get(reverse("talent:request_list") + "?export=xlsx")
        assert export.status_code == 200
        assert number not in _xlsx_text(export.content)
    # even the agencies involved export masked numbers
    for user in (agencies.officer["120000"], agencies.officer["110000"]):
        export = _client(user).get(reverse("talent:request_list") + "?export=xlsx")
        text = _xlsx_text(export.content)
        assert number not in text and req.reference in text
        assert number not in _client(user).get(reverse("talent:registry")).content.decode()
    anonymous = Client()
    resp = anonymous.post(reverse("talent:verify"), {"code": req.certificate.code, "id_number": number})
    page = resp.content.decode()
    assert "The ID number matches" in page or "身份证号码与持证人一致" in page
    assert number not in page


def test_public_verification_page_valid_unknown_revoked(agencies):
    req = file_request(agencies.employer, person_name="刘洋")
    services.request_forward(req, actor=agencies.officer["120000"])
    services.request_verify(req, actor=agencies.officer["110000"])
    services.request_recognize(req, actor=agencies.officer["120000"])
    code = Certificate.objects.get(request=req).code
    anonymous = Client()
    assert anonymous.get(reverse("talent:verify")).status_code == 200
    page = anonymous.get(reverse("talent:verify"), {"code": code}).content.decode()
    assert 'data-status="valid"' in page and "刘*" in page and "刘洋" not in page
    resp = anonymous.get(reverse("talent:verify"), {"code": "JJJ-ZZZZZZZZZZZZ"})
    assert resp.status_code == 404 and 'data-status="unknown"' in resp.content.decode()
    services.request_revoke(req, actor=agencies.officer["120000"], reason="撤销")
    assert 'data-status="revoked"' in anonymous.get(reverse("talent:verify"), {"code": code}).content.decode()


def _make(agencies, n):
    for _ in range(n):
        services.request_forward(file_request(agencies.employer), actor=agencies.officer["120000"])


@pytest.mark.parametrize("query", ["", "?queue=verification", "?state=verification_requested&kind=title"])
def test_request_list_page_has_a_fixed_query_count(agencies, django_assert_max_num_queries, query):
    client = _client(agencies.officer["110000"])
    _make(agencies, 3)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(reverse("talent:request_list") + query)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("talent:request_list") + query)
    _make(agencies, 27)
    with django_assert_max_num_queries(len(small)):
        resp = client.get(reverse("talent:request_list") + query)
    assert resp.content.decode().count("/talent/requests/") >= 30


def test_appointment_and_registry_pages_have_fixed_query_counts(agencies, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import member

    client = _client(agencies.officer["110000"])

    def add(n):
        for i in range(n):
            services.appointment_create(
                actor=agencies.employer,
                person_name="孙立",
                id_number=make_id_number(),
                home_organization=agencies.employer.organization,
                host_organization=member("110000").organization,
                role="顾问",
                start_date="2026-01-01",
                end_date="2026-12-31",
            )
            registry_entry(
                certificate_number=f"BJ-Q-{RegistryEntry.objects.count()}-{i}",
                holder_name="孙立",
                id_number=make_id_number(),
            )

    add(3)
    urls = (reverse("talent:appointment_list"), reverse("talent:registry"))
    small = {}
    for url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        small[url] = len(ctx)
    add(27)
    for url in urls:
        with django_assert_max_num_queries(small[url]):
            resp = client.get(url)
        assert resp.content.decode().count("<tr>") >= 31


def test_registry_import_reports_bad_rows_and_keeps_the_good_ones(agencies):
    good = make_id_number()
    csv_text = (
        "certificate_number,holder_name,id_number,kind,series,level,title,specialty,issuing_authority,issued_on,revoked\n"
        f"BJ-IMP-1,张伟,{good},职称,engineering,副高级,高级工程师,机械,北京市人社局,2019-12-01,\n"
        "BJ-IMP-2,李四,110105194912310021,title,engineering,intermediate,工程师,,北京市人社局,2019-12-01,\n"
        f"BJ-IMP-3,王五,{make_id_number()},title,nonexistent,intermediate,工程师,,北京市人社局,2019-12-01,\n"
        f"BJ-IMP-4,赵六,{make_id_number()},qualification,,,电工（二级）,,北京市人社局,2030-01-01,\n"
        f"BJ-IMP-5,钱七,{make_id_number()},qualification,,,电工（二级）,,北京市人社局,2018-05-05,是\n"
    )
    upload = SimpleUploadedFile("registry.csv", csv_text.encode("utf-8-sig"), content_type="text/csv")
    client = _client(agencies.officer["110000"])
    resp = client.post(reverse("talent:registry"), {"file": upload})
    assert resp.status_code == 302
    job = RegistryImport.objects.get()
    assert (job.status, job.total, job.succeeded, job.failed) == ("done", 5, 2, 3)
    assert {(e["row"], e["field"]) for e in job.errors} == {(3, "id_number"), (4, "series"), (5, "issued_on")}
    assert set(RegistryEntry.objects.values_list("certificate_number", flat=True)) == {"BJ-IMP-1", "BJ-IMP-5"}
    assert RegistryEntry.objects.get(certificate_number="BJ-IMP-5").revoked
    page = client.get(job.get_absolute_url()).content.decode()
    assert "id_number" in page and "100%" in page
    assert good not in page
    report = _xlsx_text(client.get(job.get_absolute_url() + "?export=xlsx").content)
    assert "series" in report and "id_number" in report
    progress = client.get(reverse("talent:import_progress", args=[job.pk])).content.decode()
    assert "hx-get" not in progress  # finished: the page stops polling
    # the look-up then verifies a request at once
    req = file_request(
        agencies.employer, evidence=False, person_name="张伟", id_number=good, certificate_number="BJ-IMP-1"
    )
    assert RecognitionRequest.objects.get(pk=req.pk).state == "verified"
    # another region's officials do not see this registry
    assert (
        "BJ-IMP-1" not in _client(agencies.officer["120000"]).get(reverse("talent:registry")).content.decode()
    )
    assert _client(agencies.employer).get(reverse("talent:registry")).status_code == 404


def test_registry_import_from_excel_and_refusal_of_other_files(agencies):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["证书编号", "姓名", "身份证号", "类别", "系列", "级别", "名称", "发证机关", "发证日期"])
    sheet.append(
        ["BJ-X-1", "周一", make_id_number(), "职称", "工程", "中级", "工程师", "北京市人社局", "2020-01-02"]
    )
    sheet.append(
        [
            "BJ-X-2",
            "周二",
            make_id_number(),
            "职称",
            "工程",
            "中级",
            "工程师",
            "北京市人社局",
            datetime.datetime(2021, 3, 4),
        ]
    )
    buf = io.BytesIO()
    book.save(buf)
    upload = SimpleUploadedFile("registry.xlsx", buf.getvalue())
    job = services.registry_import_start(actor=agencies.officer["110000"], upload=upload)
    assert (job.succeeded, job.failed) == (2, 0)
    assert RegistryEntry.objects.get(certificate_number="BJ-X-2").issued_on == datetime.date(2021, 3, 4)
    client = _client(agencies.officer["110000"])
    resp = client.post(reverse("talent:registry"), {"file": SimpleUploadedFile("x.txt", b"hello")})
    assert resp.status_code == 400 and 'data-field="file"' in resp.content.decode()


def test_a_large_registry_file_goes_to_celery_and_the_page_polls(
    agencies, django_capture_on_commit_callbacks
):
    from unittest import mock

    rows = "\n".join(
        f"BJ-L-{i},某人{i},{make_id_number()},qualification,,,焊工,,北京市人社局,2020-01-01"
        for i in range(services.INLINE_IMPORT_ROWS + 5)
    )
    text = (
        "certificate_number,holder_name,id_number,kind,series,level,title,specialty,issuing_authority,issued_on\n"
        + rows
    )
    upload = SimpleUploadedFile("big.csv", text.encode())
    with (
        mock.patch("talent.tasks.registry_import_task.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        job = services.registry_import_start(actor=agencies.officer["110000"], upload=upload)
    delay.assert_called_once_with(job.pk)
    assert job.status == "pending" and job.total == services.INLINE_IMPORT_ROWS + 5
    page = (
        _client(agencies.officer["110000"])
        .get(reverse("talent:import_progress", args=[job.pk]))
        .content.decode()
    )
    assert "hx-get" in page and "every 1s" in page
    services.registry_import_process(import_id=job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.succeeded == job.total


def test_pages_speak_chinese_by_default_and_english_on_request(agencies):
    anonymous = Client()
    assert "验证互认证明" in anonymous.get(reverse("talent:verify")).content.decode()
    anonymous.cookies["django_language"] = "en"
    assert "Verify a recognition certificate" in anonymous.get(reverse("talent:verify")).content.decode()
    assert "人才互认" in _client(agencies.employer).get(reverse("talent:home")).content.decode()


def test_appointment_page_records_and_lists_for_both_regions(agencies):
    from talent.models import Appointment
    from tests.factories import member

    lab = member("110000").organization
    client = _client(agencies.employer)
    assert client.get(reverse("talent:appointment_new")).status_code == 200
    data = {
        "person_name": "郑和",
        "id_number": make_id_number(),
        "home_organization": agencies.employer.organization.uscc,
        "host_organization": lab.uscc,
        "role": "首席科学家",
        "start_date": "2026-02-01",
        "end_date": "2026-01-01",
    }
    resp = client.post(reverse("talent:appointment_new"), data)
    assert resp.status_code == 400 and 'data-field="end_date"' in resp.content.decode()
    data["end_date"] = "2029-01-31"
    assert client.post(reverse("talent:appointment_new"), data).status_code == 302
    assert Appointment.objects.count() == 1
    for province in ("110000", "120000"):
        assert (
            "首席科学家"
            in _client(agencies.officer[province]).get(reverse("talent:appointment_list")).content.decode()
        )
    assert (
        "首席科学家"
        not in _client(agencies.officer["130000"]).get(reverse("talent:appointment_list")).content.decode()
    )


def test_evidence_is_added_by_the_applicant_and_kept_on_the_credential(agencies):
    from portal.attachments import attachments_of

    req = file_request(agencies.employer)
    url = reverse("talent:request_evidence", args=[req.pk])
    assert 'action="' + url in _client(agencies.employer).get(req.get_absolute_url()).content.decode()
    assert url not in _client(agencies.officer["110000"]).get(req.get_absolute_url()).content.decode()
    _client(agencies.employer).post(url, {"evidence": pdf("degree.pdf")})
    _client(agencies.officer["110000"]).post(url, {"evidence": pdf("other.pdf")})
    names = sorted(attachments_of(req.credential).values_list("original_name", flat=True))
    assert names == ["certificate.pdf", "degree.pdf"]
    bad = SimpleUploadedFile("x.pdf", b"<html><script>", content_type="application/pdf")
    _client(agencies.employer).post(url, {"evidence": bad})
    assert attachments_of(req.credential).count() == 2


def test_the_requests_page_counts_without_reading_holders_or_credentials_and_shows_their_names(agencies):
    """The page's pager counts the requests alone (a join kept in that count made the planner walk the
    holders and credentials: 2–3 ms at scale), its rows still show the holder, the masked ID number,
    the credential and its series; and a holder signed in sees the requests about them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from talent.models import Person
    from tests.factories import member

    req = file_request(
        agencies.employer, person_name="赵敏", name="正高级工程师", certificate_number="BJ-ZM-1"
    )
    services.request_forward(req, actor=agencies.officer["120000"])
    client = _client(agencies.officer["120000"])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("talent:request_list")).content.decode()
    counts = [q["sql"] for q in queries.captured_queries if '"talent_recognitionrequest"' in q["sql"]]
    counts = [sql for sql in counts if sql.startswith("SELECT COUNT(*)")]
    assert len(counts) == 1 and " JOIN " not in counts[0]
    assert "赵敏" in page and req.person.id_number_masked in page and "正高级工程师" in page
    assert "工程" in page  # the series' name
    sheet = _xlsx_text(client.get(reverse("talent:request_list"), {"export": "xlsx"}).content)
    for shown in ("赵敏", req.person.id_number_masked, "正高级工程师", "BJ-ZM-1"):
        assert shown in sheet, shown  # the export reads the same values, joined

    holder = member("130000")
    stranger = member("130000")
    Person.objects.filter(pk=req.person_id).update(user=holder)
    assert req.reference in _client(holder).get(reverse("talent:request_list")).content.decode()
    assert req.reference not in _client(stranger).get(reverse("talent:request_list")).content.decode()
    # the certificate's scope reads the same rule through its request ("request__" prefix)
    services.request_verify(req, actor=agencies.officer["110000"])
    services.request_recognize(req, actor=agencies.officer["120000"])
    certificate = Certificate.objects.get(request=req)
    assert _client(holder).get(certificate.get_absolute_url()).status_code == 200
    assert _client(stranger).get(certificate.get_absolute_url()).status_code == 404
