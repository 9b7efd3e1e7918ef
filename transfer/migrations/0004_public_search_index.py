"""The public search's index: words and province in one GIN index over the public listings.

btree_gin lets a GIN index hold the plain columns beside the tsvector; it ships with PostgreSQL's
contrib (the Debian server package, the official image, the embedded server) and is a trusted
extension, so the database owner may create it. The index is built CONCURRENTLY: on a million listings
that takes about 35 s, during which publishing and editing listings goes on.
"""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently, BtreeGinExtension
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("transfer", "0003_encrypt_listing_contact_phone"),
    ]

    operations = [
        BtreeGinExtension(),
        AddIndexConcurrently(
            model_name="listing",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("state__in", ["published", "negotiating", "concluded"])),
                fields=["search_vector", "province"],
                name="transfer_listing_public_search",
            ),
        ),
    ]
