"""``get_<field>_display()`` (portal/choices.py): the label in the language active at the call, the
stored value itself when it is not a choice, and a model's own method left alone."""

from django.utils import translation

from transfer.models import Listing, ListingState


def test_the_label_follows_the_active_language():
    listing = Listing(state=ListingState.PUBLISHED)
    with translation.override("zh-hans"):
        zh = listing.get_state_display()
    with translation.override("en"):
        en = listing.get_state_display()
    assert (zh, en) == ("已发布", "Published")


def test_a_value_that_is_not_a_choice_is_shown_as_stored():
    assert Listing(state="gone-away").get_state_display() == "gone-away"


def test_every_display_method_is_the_cached_one():
    from django.apps import apps

    from portal import choices

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            method = model.__dict__.get(f"get_{field.name}_display")
            if field.choices and method is not None and hasattr(method, "func"):
                assert method.func is choices._get_FIELD_display, (model, field.name)
