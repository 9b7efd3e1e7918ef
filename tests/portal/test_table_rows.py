"""``{% table_rows %}`` writes in Python what the voucher lists' template loop wrote: the same markup
for every kind of value, in both languages, with local times and localized numbers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

LOOP = Template(
    "{% for obj, cells in rows %}<tr>{% for c in cells %}<td>{% if forloop.first and obj.get_absolute_url %}"
    '<a href="{{ obj.get_absolute_url }}">{{ c }}</a>{% else %}{{ c|default_if_none:"" }}{% endif %}</td>'
    "{% endfor %}</tr>{% endfor %}"
)
TAG = Template("{% load portal %}{% table_rows rows %}")


class Linked:
    def __init__(self, url):
        self.url = url

    def get_absolute_url(self):
        return self.url


class Plain:
    pass


VALUES = [
    "VCH-2026-0001",
    "<b>张三 & 李四</b>",
    mark_safe("<i>safe</i>"),
    gettext_lazy("State"),
    Decimal("1234567.50"),
    Decimal("0.00"),
    12345,
    3.5,
    True,
    None,
    "",
    datetime.date(2026, 11, 27),
    datetime.datetime(2026, 11, 26, 17, 30, tzinfo=datetime.UTC),  # 01:30 the next day in Beijing
    timezone.now(),
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("autoescape", [True, False])
def test_the_tag_writes_what_the_template_loop_wrote(language, autoescape):
    rows = [
        (Linked("/vouchers/vouchers/1/?a=1&b=<2>"), VALUES),
        (Linked(""), list(reversed(VALUES))),  # no page: no link
        (Plain(), VALUES),
        (Linked("/x/"), [None, *VALUES]),  # a link around an empty first value writes "None", as before
        (Linked("/y/"), []),
    ]
    with translation.override(language):
        context = {"rows": rows}
        expected = LOOP.render(Context(context, autoescape=autoescape))
        assert TAG.render(Context(context, autoescape=autoescape)) == expected
    assert ("&lt;b&gt;" in expected) is autoescape and expected.count("<tr>") == len(rows)
