"""The unpublished listings' words in an index of their own.

A signed-in user's search reads its scope in parts (portal.permissions.Scope): one's own unpublished
listings, the public ones, the others of one's region. The first and the last read this index, about
three listings in ten, rather than every listing's words. Its condition is "not public", as the parts
say it, so that a listing of any state is in one part or the other. Built CONCURRENTLY: on a million listings
about 20 s, during which listings are published and edited.
"""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("transfer", "0007_listing_words_in_the_row"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="listing",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("state__in", ["published", "negotiating", "concluded"]), _negated=True),
                fields=["search_vector"],
                name="transfer_listing_unpub_search",
            ),
        ),
    ]
