"""``{% deadline_cell row %}`` writes in Python what the IP lists' per-row template wrote: the same
markup for none, past, future and paused deadlines, in both languages, with the local date."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

# the template each IP list included per row before the tag (less its trailing newline), with the
# one change the tag made: a paused deadline is not overdue (Deadline.is_overdue)
INCLUDED = Template(
    '{% load i18n %}{% for d in row.open_deadlines %}<div class="small'
    '{% if d.status == "open" and d.due_at < now %} text-danger fw-bold overdue{% endif %}">'
    '{{ d.label }}: {{ d.due_at|date:"Y-m-d" }}{% if d.status == "paused" %} '
    '({% translate "paused" %}){% endif %}</div>{% empty %}<span class="text-muted">—</span>{% endfor %}'
)
TAG = Template("{% load portal %}{% deadline_cell row %}")

NOW = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.UTC)


def deadline(label, due_at, status="open"):
    return SimpleNamespace(label=label, due_at=due_at, status=status)


ROWS = [
    [],
    [deadline("接收期限", NOW - datetime.timedelta(hours=1))],  # past: red
    [deadline("办理期限", NOW + datetime.timedelta(days=3), status="paused")],
    [deadline("决定期限", NOW - datetime.timedelta(days=3), status="paused")],  # past but paused: not red
    # 16:30 UTC is 00:30 the next day in Beijing: the local date is written
    [
        deadline("<b>反馈</b> & 回复", datetime.datetime(2026, 11, 26, 16, 30, tzinfo=datetime.UTC)),
        deadline("Reply", NOW + datetime.timedelta(days=30)),
    ],
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("deadlines", ROWS)
def test_the_tag_writes_what_the_included_template_wrote(language, deadlines):
    row = SimpleNamespace(open_deadlines=deadlines)
    with translation.override(language):
        expected = INCLUDED.render(Context({"row": row, "now": NOW}))
        written = TAG.render(Context({"row": row, "now": NOW}))
    assert written == expected
    assert ("overdue" in written) is any(d.status == "open" and d.due_at < NOW for d in deadlines)


def test_without_now_in_the_context_a_past_deadline_is_still_marked():
    # the IP home page and a case's page gave no `now`: the included template never marked them
    row = SimpleNamespace(open_deadlines=[deadline("接收期限", timezone.now() - datetime.timedelta(days=1))])
    assert "overdue" in TAG.render(Context({"row": row}))
    assert "overdue" not in INCLUDED.render(Context({"row": row}))
