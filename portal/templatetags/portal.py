from django import template
from django.template.base import render_value_in_context
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs) -> str:
    """The current query string with some parameters replaced (keeps filters across pages and exports)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.simple_tag(takes_context=True)
def table_rows(context, rows) -> SafeString:
    """The ``<tr>`` of a list given as (record, cells): each value as ``{{ c|default_if_none:"" }}``
    renders it (local time, localization, escaping: the engine's own ``render_value_in_context``), the
    first cell a link to the record's page where it has one, an empty cell for None elsewhere. The
    same markup as the template loop it replaces, which cost about a third of a voucher list page
    (50 rows × 9 cells of node rendering; bench, issue 10); a test renders both and compares."""
    out = []
    for obj, cells in rows:
        out.append("<tr>")
        for i, value in enumerate(cells):
            link = getattr(obj, "get_absolute_url", None) if i == 0 else None
            href = link() if callable(link) else link
            if href:
                out.append(
                    f'<td><a href="{render_value_in_context(href, context)}">'
                    f"{render_value_in_context(value, context)}</a></td>"
                )
            else:
                out.append(
                    "<td>" + ("" if value is None else render_value_in_context(value, context)) + "</td>"
                )
        out.append("</tr>")
    return SafeString("".join(out))


@register.simple_tag
def deadline_cell(row) -> SafeString:
    """A list row's open deadlines (``row.open_deadlines``), each "what is due: local date", red when
    ``Deadline.is_overdue``, "(paused)" when paused; a dash when there is none. Written in Python, the
    time zone and the translation looked up once per cell: as a template included per row it cost
    13–16 ms of an IP referrals page of fifty (bench, issue 10); a test compares it with that
    template's markup."""
    deadlines = row.open_deadlines
    if not deadlines:
        return SafeString('<span class="text-muted">—</span>')
    zone = timezone.get_current_timezone()
    paused = " (" + escape(gettext("paused")) + ")"
    return SafeString(
        "".join(
            f'<div class="small{" text-danger fw-bold overdue" if d.is_overdue else ""}">'
            f"{escape(d.label)}: {timezone.localtime(d.due_at, zone).date().isoformat()}"
            f"{paused if d.status == d.Status.PAUSED else ''}</div>"
            for d in deadlines
        )
    )
