"""A public-search index per province: the words of that province's public listings only.

A search filtered by a province read the composite index (words and province) and intersected the
word's posting list with the province's, most of the scan's time for a common word. Each index is built
CONCURRENTLY: on a million listings about 15 s each, during which listings are published and edited.
"""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


def _province_index(code: str) -> AddIndexConcurrently:
    return AddIndexConcurrently(
        model_name="listing",
        index=django.contrib.postgres.indexes.GinIndex(
            condition=models.Q(("province", code), ("state__in", ["published", "negotiating", "concluded"])),
            fields=["search_vector"],
            name=f"transfer_listing_search_{code}",
        ),
    )


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("transfer", "0005_listing_public_tally"),
    ]

    operations = [_province_index(code) for code in ("110000", "120000", "130000")]
