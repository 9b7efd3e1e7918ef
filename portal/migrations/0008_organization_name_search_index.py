"""The index of the organizations' names (0007): built CONCURRENTLY, as transfer's, so registering
organizations goes on while it builds; on its own, so a failed build leaves 0007 applied and this
one to run again (an INVALID index left by a cancelled build must be dropped first)."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("portal", "0007_organization_name_search"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="organization",
            index=GinIndex(fields=["search_vector"], name="portal_org_name_search"),
        ),
    ]
