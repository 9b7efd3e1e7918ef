"""The index on (province, state) goes: the one on (province, state, kind) of 0005 serves every query
it served. Dropped CONCURRENTLY, so listing writes do not wait for it."""

from django.contrib.postgres.operations import RemoveIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("transfer", "0005_listing_index_with_kind"),
    ]

    operations = [
        RemoveIndexConcurrently(model_name="listing", name="transfer_listing_prov_state"),
    ]
