"""The form renderer of the portal (settings.FORM_RENDERER): Django's, with ``<select>``, ``<input>`` and
``<textarea>`` written in Python.

Django renders a select through a template that includes one template per option: a select of the 200
technology bases took ~15 ms, the larger part of the listings page (bench, issue 10), and every filter
form of the portal has selects of organizations, regions or programmes. An input goes through three
templates (its type's, ``input.html``, ``attrs.html``): about 48 µs each, against 4 µs here; the
fourteen inputs of the new application page and its four suggestion boxes (which still go through
their template) took a fifth of it (bench, issue 10). Here those templates (``select.html`` and
``select_option.html``, the inputs' and ``textarea.html``, with ``attrs.html``) are produced by the
same steps in Python: the same markup byte for byte, values converted and escaped as the template
language does (tests/portal/test_form_renderer.py compares both on every kind of select and input).
Any other template, an option using another template, or a callable among the values goes through the
templates. (This renderer's engine reads Django's own form templates first, so a project cannot
override them here anyway; ``TemplatesSetting`` would be the renderer for that.)
"""

from __future__ import annotations

import html

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import SafeData, mark_safe

__all__ = ["PortalFormRenderer"]

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
TEXTAREA = "django/forms/widgets/textarea.html"
#: Django's widget templates that are only ``{% include "django/forms/widgets/input.html" %}``
#: (tests/portal/test_form_renderer.py reads each to be sure)
INPUTS = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time", "search",
        "tel", "color", "checkbox", "file",
    )
)  # fmt: skip


def _plain_option(option: dict) -> bool:
    """An option drawn with Django's option template whose value, label and attributes are data: the
    template language would call a callable, which is left to it."""
    return (
        option["template_name"] == OPTION
        and not callable(option["value"])
        and not callable(option["label"])
        and not any(callable(v) for v in option["attrs"].values())
    )


def _text(value, context: Context) -> str:
    """``{{ value }}``: localized and escaped as the template language does."""
    if type(value) is str:  # a plain string: localizing leaves it alone, escaping is Django's escape()
        return html.escape(value)
    return render_value_in_context(value, context)


def _as_string(value, context: Context) -> str:
    """``{{ value|stringformat:'s' }}``: the ``%s`` form (safe input stays safe), then escaped."""
    if type(value) is str:
        return html.escape(value)
    if isinstance(value, tuple):
        value = str(value)
    try:
        out = "%s" % value  # noqa: UP031 - the filter's own operation
    except (ValueError, TypeError):
        out = ""
    if isinstance(value, SafeData):
        out = mark_safe(out)
    return _text(out, context)


def _attrs(attrs: dict, context: Context) -> str:
    """``attrs.html``."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(" " + _text(name, context))
        if value is not True:
            parts.append('="' + _as_string(value, context) + '"')
    return "".join(parts)


class PortalFormRenderer(DjangoTemplates):
    """Django's template form renderer; selects, inputs and text areas written in Python (see the
    module's docstring)."""

    def render(self, template_name, context, request=None):
        if template_name in INPUTS or template_name == TEXTAREA:
            widget = context["widget"]
            if not callable(widget["value"]) and not any(callable(v) for v in widget["attrs"].values()):
                return self._input(widget) if template_name in INPUTS else self._textarea(widget)
        elif template_name == SELECT:
            widget = context["widget"]
            widget["optgroups"] = groups = list(widget["optgroups"])
            if not any(callable(v) for v in widget["attrs"].values()) and all(
                _plain_option(option) for _, options, _ in groups for option in options
            ):
                return self._select(widget)
        return super().render(template_name, context, request=request)

    def _input(self, widget: dict) -> str:
        context = Context()
        value = widget["value"]
        shown = "" if value is None else ' value="' + _as_string(value, context) + '"'
        name = _text(widget["name"], context)
        kind = _text(widget["type"], context)
        return f'<input type="{kind}" name="{name}"{shown}{_attrs(widget["attrs"], context)}>'

    def _textarea(self, widget: dict) -> str:
        context = Context()
        value = widget["value"]
        text = _text(value, context) if value else ""
        name = _text(widget["name"], context)
        return f'<textarea name="{name}"{_attrs(widget["attrs"], context)}>\n{text}</textarea>'

    def _select(self, widget: dict) -> str:
        context = Context()
        out = ['<select name="', _text(widget["name"], context), '"', _attrs(widget["attrs"], context), ">"]
        for group_name, options, _ in widget["optgroups"]:
            if group_name:
                out.append('\n  <optgroup label="' + _text(group_name, context) + '">')
            for option in options:
                out.append(
                    '\n  <option value="'
                    + _as_string(option["value"], context)
                    + '"'
                    + _attrs(option["attrs"], context)
                    + ">"
                    + _text(option["label"], context)
                    + "</option>\n"  # the option template's last line break
                )
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")  # the renderer strips the template's last line break
        return "".join(out)
