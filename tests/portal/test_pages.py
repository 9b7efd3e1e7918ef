"""The core's pages: sign-in/out, language switch, inbox, my tasks, webhook deliveries, audit log;
each list costs a fixed number of queries whatever its length. And ``portal.pages``, the one way the
apps' pages run a service and show its refusal."""

import datetime
import io

import openpyxl
import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from portal import deadlines, outbox
from portal.deadlines import DeadlineSpec
from portal.exceptions import PermissionDenied, TransitionNotAllowed, ValidationError
from portal.models import AuditAction, AuditEntry, Notification, WebhookDelivery, WebhookSubscription
from portal.pages import (
    CONFLICT,
    FORBIDDEN,
    INVALID,
    apply_errors,
    form_status,
    posted_step,
    run_service,
)
from portal.permissions import refuse
from tests.factories import PASSWORD, OrganizationFactory, UserFactory
from tests.testapp.models import Ticket


def _notify(user, n: int, start: int = 0):
    for i in range(start, start + n):
        event = outbox.emit("test.note", title=f"通知 {i}", link="/tasks/", recipients=[user])
        outbox.deliver_event(event.pk)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _fixed_cost(client, url, grow, django_assert_max_num_queries):
    grow(3)
    short = _queries(client, url)
    grow(40)
    with django_assert_max_num_queries(short):
        client.get(url)
    return short


@pytest.mark.django_db
def test_sign_in_and_out(client, applicant):
    assert client.get("/").status_code == 302
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and 'name="username"' in page.content.decode()
    resp = client.post("/accounts/login/", {"username": applicant.username, "password": PASSWORD})
    assert resp.status_code == 302 and resp["Location"] == "/"
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN, actor=applicant).exists()
    resp = client.post("/accounts/logout/")
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    assert AuditEntry.objects.filter(action=AuditAction.LOGOUT, actor=applicant).exists()
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_language_switch(client, applicant):
    client.force_login(applicant)
    html = client.get("/").content.decode()
    assert "我的待办" in html and "京津冀协同创新共同体" in html and "English" in html
    resp = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert resp.status_code == 302
    html = client.get("/").content.decode()
    assert "My tasks" in html and 'lang="en"' in html and "中文" in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "退出" in client.get("/").content.decode()


@pytest.mark.django_db
def test_inbox_mark_read(client, applicant, django_assert_max_num_queries):
    client.force_login(applicant)
    _notify(applicant, 2)
    html = client.get("/inbox/").content.decode()
    assert "通知 0" in html and "通知 1" in html
    note = Notification.objects.filter(user=applicant).first()
    resp = client.post(f"/inbox/{note.pk}/open/")
    assert resp.status_code == 302 and resp["Location"] == "/tasks/"
    note.refresh_from_db()
    assert note.read_at is not None
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.post(f"/inbox/{note.pk}/open/").status_code == 404
    client.force_login(applicant)
    client.post("/inbox/read-all/")
    assert not Notification.objects.filter(user=applicant, read_at__isnull=True).exists()
    counter = iter(range(100, 1000))
    _fixed_cost(
        client, "/inbox/", lambda n: _notify(applicant, n, next(counter) * 50), django_assert_max_num_queries
    )


@pytest.mark.django_db
def test_my_tasks_soonest_first(client, bj_officer, bj_agency, applicant, django_assert_max_num_queries):
    now = timezone.now()

    def grow(n):
        for i in range(n):
            t = Ticket.objects.create(
                title=f"任务{i}", organization=applicant.organization, province_id="110000"
            )
            d = deadlines.open_deadline(
                t,
                DeadlineSpec("review", 5 + (i * 7) % 11, "calendar"),
                responsible_organization=bj_agency,
                start=now,
            )
            assert d.pk

    client.force_login(bj_officer)
    _fixed_cost(client, "/tasks/", grow, django_assert_max_num_queries)
    page = client.get("/tasks/").context["page"]
    dues = [d.due_at for d in page.object_list]
    assert dues == sorted(dues) and len(dues) == 43
    # the applicant's organization is not responsible: not its task
    client.force_login(UserFactory())
    assert list(client.get("/tasks/").context["page"].object_list) == []
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_webhook_deliveries_page(client, django_assert_max_num_queries):
    partner = OrganizationFactory()
    operator = UserFactory(organization=partner)
    sub = WebhookSubscription.objects.create(
        organization=partner, url="http://127.0.0.1:9/hook", event_types=["*"], secret=outbox.secret_new()
    )

    def grow(n):
        for i in range(n):
            event = outbox.emit("ticket.accept", title=f"事件{i}", organizations=[partner])
            WebhookDelivery.objects.create(
                event=event,
                subscription=sub,
                status="failed" if i % 2 else "delivered",
                attempts=8,
                last_error="HTTP 500",
            )

    client.force_login(operator)
    _fixed_cost(client, "/webhooks/deliveries/", grow, django_assert_max_num_queries)
    failed = client.get("/webhooks/deliveries/?status=failed")
    rows = failed.context["page"].object_list
    assert rows and all(d.status == "failed" for d in rows)
    assert (
        "delivery-failed" in failed.content.decode() and "delivery-delivered" not in failed.content.decode()
    )
    target = rows[0]
    resp = client.post(f"/webhooks/deliveries/{target.pk}/replay/")
    assert resp.status_code == 302
    target.refresh_from_db()
    assert target.status == "pending" and target.attempts == 0
    client.force_login(UserFactory())  # another organization sees none and cannot replay
    assert list(client.get("/webhooks/deliveries/").context["page"].object_list) == []
    assert client.post(f"/webhooks/deliveries/{target.pk}/replay/").status_code == 404


@pytest.mark.django_db
def test_audit_log_page_filter_and_export(client, auditor, applicant, django_assert_max_num_queries):
    from portal import audit

    def grow(n):
        for i in range(n):
            audit.record(AuditAction.VIEW, applicant, actor=applicant, message=f"look {i}")

    client.force_login(auditor)
    _fixed_cost(client, "/audit/", grow, django_assert_max_num_queries)
    page = client.get("/audit/", {"action": "view"}).context["page"]
    assert page.paginator.count == 43 and all(e.action == "view" for e in page.object_list)
    today = timezone.localdate().isoformat()
    resp = client.get(
        "/audit/", {"action": "view", "actor": applicant.username, "since": today, "export": "xlsx"}
    )
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    assert sheet.max_row == 44  # header + rows
    export = AuditEntry.objects.filter(action=AuditAction.EXPORT, actor=auditor).get()
    assert "43 rows" in export.message
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert client.get("/audit/", {"since": tomorrow}).context["page"].paginator.count == 0


# --------------------------------------------------------------------------- portal.pages


class _TitleForm(forms.Form):
    title = forms.CharField()


def _posted(rf, data=None, user=None):
    """A POST as a page gets it: with a session and django.contrib.messages' storage."""
    request = rf.post("/somewhere/", data or {})
    SessionMiddleware(lambda r: None).process_request(request)
    MessageMiddleware(lambda r: None).process_request(request)
    request.user = user or AnonymousUser()
    return request


def _shown(request) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(request)]


def _raising(exc: Exception):
    """A service that refuses with ``exc``."""

    def service():
        raise exc

    return service


def _bound_form() -> _TitleForm:
    form = _TitleForm({"title": "x"})
    assert form.is_valid()
    return form


def test_run_service_puts_a_field_error_on_its_field(rf):
    request, form = _posted(rf), _bound_form()

    def service():
        raise ValidationError({"title": "标题已被使用。", "elsewhere": "没有这个字段。"})

    outcome = run_service(request, service, success="saved", form=form)
    assert outcome is INVALID and not outcome and outcome.status == 400
    assert form.errors["title"] == ["标题已被使用。"]
    # a field the form does not have: not lost, shown above the form
    assert form.non_field_errors() == ["没有这个字段。"]
    assert _shown(request) == []  # no success message either
    assert form_status(form, outcome) == 400


def test_run_service_without_a_form_shows_the_errors_as_messages(rf):
    request = _posted(rf)

    def service():
        raise ValidationError({"reason": "请说明理由。", "__all__": "整体不成立。"})

    assert run_service(request, service, success="done") is INVALID
    assert sorted(_shown(request)) == [("error", "reason: 请说明理由。"), ("error", "整体不成立。")]

    request = _posted(rf)
    assert run_service(request, _raising(ValidationError("没有名字的错误"))) is INVALID
    assert _shown(request) == [("error", "没有名字的错误")]


def test_apply_errors_takes_a_plain_validation_error_as_a_non_field_error():
    form = _bound_form()
    apply_errors(form, ValidationError(["一", "二"]))
    assert form.non_field_errors() == ["一", "二"] and "title" not in form.errors


def test_a_refused_transition_is_a_message_never_an_exception(rf):
    request, form = _posted(rf), _bound_form()

    def service():
        raise TransitionNotAllowed("当前状态不能提交。")

    outcome = run_service(request, service, success="done", form=form)
    assert outcome is CONFLICT and outcome.status == 409
    assert _shown(request) == [("error", "当前状态不能提交。")]
    assert not form.errors  # the input was fine; the record's state was not
    assert form_status(form, outcome) == 409


def test_success_shows_the_message_and_returns_the_result(rf):
    request = _posted(rf)
    assert run_service(request, lambda: "the record", success="已保存。") == "the record"
    assert _shown(request) == [("success", "已保存。")]
    request = _posted(rf)
    assert run_service(request, lambda: None) is True  # a service that returns nothing still "worked"
    assert _shown(request) == []


@pytest.mark.django_db
def test_a_refusal_of_role_is_a_message_and_stays_in_the_audit_log(rf, applicant):
    def service():
        with transaction.atomic():  # the service's transaction rolls the denial's entry back
            raise refuse(applicant, applicant, "只有本地区官员可以操作。", action="approve")

    request = _posted(rf, user=applicant)
    assert run_service(request, service) is FORBIDDEN
    assert _shown(request) == [("error", "只有本地区官员可以操作。")]
    assert AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=applicant).count() == 1

    request = _posted(rf)
    with translation.override("en"):  # a bare PermissionDenied says nothing: the page says why not
        assert run_service(request, _raising(PermissionDenied())) is FORBIDDEN
    assert _shown(request) == [("error", "You may not do this.")]

    with pytest.raises(PermissionDenied):  # a page that answers a refusal of role with a 403
        run_service(_posted(rf), service, raise_denied=True)


def test_posted_step_finds_the_service_of_the_posted_name(rf):
    steps = {"submit": "submit-service", "withdraw": "withdraw-service"}
    assert posted_step(_posted(rf, {"transition": "submit"}), steps) == "submit-service"
    assert posted_step(_posted(rf, {"do": "withdraw"}), steps) == "withdraw-service"
    with pytest.raises(Http404):
        posted_step(_posted(rf, {"transition": "delete"}), steps)
    with pytest.raises(Http404):
        posted_step(_posted(rf), steps)
    assert posted_step(_posted(rf, {"transition": "delete"}), steps, default=None) is None
