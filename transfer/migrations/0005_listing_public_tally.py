"""The cockpit's listing count from an index alone (portal.dashboard._transfer): state as the key,
kind and province carried, over the public listings only. Built CONCURRENTLY, as 0004: publishing and
editing listings go on while it builds (under a second per million listings on the bench machine)."""

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
            index=models.Index(
                condition=models.Q(("state__in", ["published", "negotiating", "concluded"])),
                fields=["state"],
                include=("kind", "province"),
                name="transfer_listing_public_tally",
            ),
        ),
    ]
