"""Pages of the shared core: sign-in, home with my tasks, inbox, attachment download, health."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.inspect import method_has_no_args
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import attachments, audit, outbox, selectors
from .exports import Column, xlsx_response
from .forms import LoginForm
from .models import PROVINCE_CHOICES, Attachment, Notification, Role, WebhookDelivery
from .permissions import can, require

__all__ = [
    "LoginView",
    "LogoutView",
    "home",
    "inbox",
    "notification_open",
    "tasks",
    "attachment_download",
    "healthz",
    "audit_log",
    "webhook_deliveries",
    "webhook_replay",
    "organization_suggest",
    "suggestion_options",
    "paginate",
    "table",
]


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


# A page lists at most this many rows of a filtered list (the API's cursors reach every row).
PAGE_LIST_CAP = 1_000


class CappedPaginator(Paginator):
    """Page numbers over the first ``cap`` rows: counting stops there. Counting every visible row was
    the largest query of the lists at scale: 41,000 referrals 25 ms, 20,000 recognition requests 42 ms,
    against 1–2 ms to count to 1,000 (bench, issue 10). Past the cap, ``capped`` is true and the pager
    says so (and, on a page with filters, asks for narrower ones)."""

    def __init__(self, object_list, per_page, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = PAGE_LIST_CAP if cap is None else cap

    @cached_property
    def _found(self) -> int:
        """Rows up to one past the cap, counted as Django's Paginator counts.

        How many of the first ``cap + 1`` rows there are does not depend on their order nor on the
        values a row shows: a queryset is counted without its ORDER BY and its annotated columns
        (their joins stay, so the rows are the same). Kept, the database sorted every visible row to
        count the first thousand and read each row's shown values, a subquery per name and the next
        deadline (recognition requests: 9–12 → 5–8 ms; bench, issue 10). Counted as it is, where its
        rows depend on the columns selected: a DISTINCT, a union, a GROUP BY (an aggregate, or
        ``values()`` already chosen), a set-returning annotation; and a slice, which cannot be reordered."""
        head = self.object_list
        if isinstance(head, QuerySet) and _rows_do_not_depend_on_columns(head.query):
            head = head.order_by().values("pk")
        head = head[: self.cap + 1]
        count = getattr(head, "count", None)
        if callable(count) and not inspect.isbuiltin(count) and method_has_no_args(count):
            return count()
        return len(head)

    @cached_property
    def count(self) -> int:
        return min(self._found, self.cap)

    @property
    def capped(self) -> bool:
        return self._found > self.cap


def _rows_do_not_depend_on_columns(query) -> bool:
    return not (
        query.distinct
        or query.combinator
        or query.group_by is not None
        or query.values_select
        or query.is_sliced
        or any(getattr(a, "set_returning", False) for a in query.annotations.values())
    )


def paginate(request, queryset, per_page: int = 50, cap: int | None = None):
    """Page-number pagination for pages, over the first ``cap`` rows (CappedPaginator)."""
    return CappedPaginator(queryset, per_page, cap=cap).get_page(request.GET.get("page"))


def table(columns: Sequence[Column], objects: Iterable) -> dict:
    """A list page's table from the same ``(header, value)`` columns its Excel export reads
    (``xlsx_response``): ``headers``, and ``rows`` as ``(record, cells)`` for the ``table_rows`` tag,
    so what a page shows is what it exports."""
    return {
        "headers": [header for header, _value in columns],
        "rows": [(obj, [value(obj) for _header, value in columns]) for obj in objects],
    }


@login_required
def home(request):
    task_qs = selectors.task_list(user=request.user)
    context = {
        "tasks": list(task_qs[:10]),
        "notifications": list(
            selectors.notification_list(user=request.user).filter(read_at__isnull=True)[:10]
        ),
        "now": timezone.now(),
    }
    return render(request, "portal/home.html", context)


@login_required
def inbox(request):
    page = paginate(request, selectors.notification_list(user=request.user))
    return render(request, "portal/inbox.html", {"page": page})


@login_required
@require_POST
def notification_open(request, pk: int):
    note = get_object_or_404(selectors.notification_list(user=request.user), pk=pk)
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk).update(read_at=timezone.now())
    return redirect(note.link or "portal:inbox")


@login_required
@require_POST
def inbox_mark_all_read(request):
    selectors.notification_list(user=request.user).filter(read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, _("All notifications marked as read."))
    return redirect("portal:inbox")


@login_required
def tasks(request):
    page = paginate(request, selectors.task_list(user=request.user))
    return render(request, "portal/tasks.html", {"page": page, "now": timezone.now()})


@login_required
def attachment_download(request, pk: int):
    att = Attachment.objects.filter(pk=pk).select_related("content_type").first()
    if att is None or att.target is None or not can(request.user, "view", att.target):
        raise Http404
    try:
        return attachments.open_verified(att, actor=request.user)
    except attachments.IntegrityFailure:
        return HttpResponse(
            _("This file has been altered since it was uploaded (SHA-256 mismatch); it will not be served."),
            status=409,
            content_type="text/plain; charset=utf-8",
        )


@login_required
def audit_log(request):
    if not request.user.has_role(Role.AUDITOR):
        audit.record(audit.AuditAction.PERMISSION_DENIED, None, actor=request.user, message="audit log")
        raise Http404
    qs = selectors.audit_entry_list(user=request.user)
    q = request.GET
    if q.get("action"):
        qs = qs.filter(action=q["action"])
    if q.get("actor"):
        qs = qs.filter(actor_name__icontains=q["actor"])
    if q.get("object"):
        qs = qs.filter(object_repr__icontains=q["object"])
    if q.get("since"):
        qs = qs.filter(at__date__gte=q["since"])
    if q.get("until"):
        qs = qs.filter(at__date__lte=q["until"])
    if q.get("export") == "xlsx":
        cols = [
            (_("Time"), lambda e: e.at),
            (_("Actor"), lambda e: e.actor_name),
            (_("Action"), lambda e: e.action),
            (_("Object"), lambda e: e.object_repr),
            (_("Changes"), lambda e: str(e.changes)),
            (_("Message"), lambda e: e.message),
            (_("IP address"), lambda e: e.ip),
            (_("Request id"), lambda e: e.request_id),
        ]
        return xlsx_response("audit-log", cols, qs.iterator(chunk_size=2000), actor=request.user)
    return render(
        request,
        "portal/audit_log.html",
        {"page": paginate(request, qs), "actions": audit.AuditAction.choices},
    )


@login_required
def webhook_deliveries(request):
    """The webhook deliveries of the user's organization (all, or only the failed ones), with replay."""
    qs = selectors.webhook_delivery_list(user=request.user).select_related("event__content_type")
    status = request.GET.get("status", "")
    if status in WebhookDelivery.Status.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "portal/webhook_deliveries.html",
        {"page": paginate(request, qs), "status": status, "statuses": WebhookDelivery.Status.choices},
    )


@login_required
@require_POST
def webhook_replay(request, pk: int):
    delivery = get_object_or_404(selectors.webhook_delivery_list(user=request.user), pk=pk)
    require(request.user, "replay", delivery)
    outbox.replay_webhook(delivery, actor=request.user)
    messages.success(request, _("The delivery will be sent again."))
    return redirect("portal:webhook_deliveries")


def suggestion_options(template_name: str, records) -> HttpResponse:
    """The answer to a suggestion box (``portal.forms.SuggestInput``): the ``<option>``s of
    ``records``. A fragment: none of the page's context (the inbox count, the menus) is read."""
    return HttpResponse(render_to_string(template_name, {"records": records}))


@login_required
def organization_suggest(request):
    """The options of an organization box (``portal.forms.OrganizationField``) for what was typed in
    it: ``q``, a name or the start of a credit code; ``province``, to offer one region's only."""
    province = request.GET.get("province") or None
    if province is not None and province not in dict(PROVINCE_CHOICES):
        return HttpResponse(
            _("province: not one of %(codes)s.") % {"codes": ", ".join(dict(PROVINCE_CHOICES))},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    organizations = selectors.organization_suggestions(
        user=request.user, query=request.GET.get("q", "")[:100], province=province
    )
    return suggestion_options("portal/_organization_options.html", organizations)


def healthz(request):
    """Each dependency and whether it answered. 200 only when all did."""
    checks: dict[str, dict] = {}
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    try:
        import redis
        from django.conf import settings

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        checks["redis"] = {"ok": True}
    except Exception as exc:
        checks["redis"] = {"ok": False, "error": type(exc).__name__}
    if checks["redis"]["ok"]:
        try:
            from config.celery import app

            replies = app.control.ping(timeout=1.0) or []
            checks["celery_worker"] = {"ok": bool(replies), "workers": len(replies)}
        except Exception as exc:
            checks["celery_worker"] = {"ok": False, "error": type(exc).__name__}
    else:
        checks["celery_worker"] = {"ok": False, "error": "redis unavailable"}
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ok" if ok else "degraded", "checks": checks}, status=200 if ok else 503)
