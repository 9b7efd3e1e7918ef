"""The form renderer of the portal (settings.FORM_RENDERER): Django's, with ``<select>`` written in Python.

Django renders a select through a template that includes one template per option: a select of the 200
technology bases took ~15 ms, the larger part of the listings page (bench, issue 10), and every filter
form of the portal has selects of organizations, regions or programmes. Here the two templates of a
select (``select.html`` and ``select_option.html`` with ``attrs.html``) are produced by the same steps
in Python: the same markup byte for byte, values converted and escaped as the template language does
(tests/portal/test_form_renderer.py compares both on every kind of select). Any other template, a
project override of those templates, or an option using another template goes through the templates.
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
# Where Django's own templates of the form renderer live: an origin elsewhere is a project override.
_DJANGO_FORMS_TEMPLATES = "django/forms/templates/"


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
    """Django's template form renderer; selects written in Python (see the module's docstring)."""

    def render(self, template_name, context, request=None):
        if template_name == SELECT and self._own(SELECT) and self._own(OPTION):
            widget = context["widget"]
            if all(
                option["template_name"] == OPTION
                for _, options, _ in widget["optgroups"]
                for option in options
            ):
                return self._select(widget)
        return super().render(template_name, context, request=request)

    def _own(self, template_name: str) -> bool:
        """Whether ``template_name`` resolves to Django's file (not an override in the project)."""
        cache = self.__dict__.setdefault("_own_cache", {})
        if template_name not in cache:
            origin = self.get_template(template_name).origin.name
            cache[template_name] = _DJANGO_FORMS_TEMPLATES in str(origin).replace("\\", "/")
        return cache[template_name]

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
