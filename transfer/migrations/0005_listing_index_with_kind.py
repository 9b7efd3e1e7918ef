"""An index on (province, state, kind), to take the place of the one on (province, state): the cockpit
counts the listed listings per province and kind from the index alone (an index-only scan, 80 ms at
a million listings, where counting through the table took 600 ms every refresh), and the search of
a very common word, which reads the province's B-tree (transfer.selectors.index_first), checks the
kind in the index. Built CONCURRENTLY: listings are published and edited meanwhile. The old index is
dropped in the next migration, once this one exists (each step can be run again on its own)."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("transfer", "0004_public_search_index"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="listing",
            index=models.Index(fields=["province", "state", "kind"], name="transfer_listing_prov_kind"),
        ),
    ]
