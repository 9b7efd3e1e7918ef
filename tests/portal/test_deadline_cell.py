"""``{% deadline_cell row %}`` writes in Python what the IP lists' per-row template wrote: the same
markup for none, overdue, future and paused deadlines, in both languages, with the local date."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from portal.models import Deadline

# the template each IP list included per row before the tag (less its trailing newline), overdue as
# Deadline.is_overdue says (it compared with a `now` that two of its four pages did not give, and
# marked a paused deadline past its date)
INCLUDED = Template(
    '{% load i18n %}{% for d in row.open_deadlines %}<div class="small'
    '{% if d.is_overdue %} text-danger fw-bold overdue{% endif %}">'
    '{{ d.label }}: {{ d.due_at|date:"Y-m-d" }}{% if d.status == "paused" %} '
    '({% translate "paused" %}){% endif %}</div>{% empty %}<span class="text-muted">—</span>{% endfor %}'
)
TAG = Template("{% load portal %}{% deadline_cell row %}")

NOW = timezone.now()


def deadline(label, due_at, status=Deadline.Status.OPEN):
    return Deadline(label=label, due_at=due_at, status=status)  # not saved: the cell reads fields only


ROWS = [
    [],
    [deadline("接收期限", NOW - datetime.timedelta(hours=1))],  # past and open: red
    [deadline("办理期限", NOW + datetime.timedelta(days=3), status=Deadline.Status.PAUSED)],
    [deadline("决定期限", NOW - datetime.timedelta(days=3), status=Deadline.Status.PAUSED)],  # not red
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
        expected = INCLUDED.render(Context({"row": row}))
        written = TAG.render(Context({"row": row}))
    assert written == expected
    open_and_past = any(d.status == Deadline.Status.OPEN and d.due_at < NOW for d in deadlines)
    assert ("overdue" in written) is open_and_past


def test_the_local_date_is_written():
    row = SimpleNamespace(open_deadlines=ROWS[4])
    assert "&lt;b&gt;反馈&lt;/b&gt; &amp; 回复: 2026-11-27</div>" in TAG.render(Context({"row": row}))
