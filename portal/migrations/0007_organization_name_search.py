"""Organizations found by a word of their name or the start of their credit code, through indexes: the
organization box's suggestions (portal.selectors.organization_suggestions) scanned the register, 13 ms
for 45,000 organizations on the bench machine and growing with it. The names' vectors are written
here for the organizations there are (Organization.save writes them from now on); the indexes are
built CONCURRENTLY, as transfer's: registering organizations goes on while they build."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

import portal.search

BATCH = 2_000


def write_name_vectors(apps, schema_editor):
    from portal.search import tsvector_literal

    Organization = apps.get_model("portal", "Organization")
    rows = Organization.objects.filter(search_vector__isnull=True).order_by("pk").values_list("pk", "name")
    with schema_editor.connection.cursor() as cursor:
        batch = []
        for pk, name in rows.iterator(chunk_size=BATCH):
            batch.append((tsvector_literal((name, "A")), pk))
            if len(batch) == BATCH:
                cursor.executemany(
                    "UPDATE portal_organization SET search_vector = %s::tsvector WHERE id = %s", batch
                )
                batch = []
        if batch:
            cursor.executemany("UPDATE portal_organization SET search_vector = %s::tsvector WHERE id = %s", batch)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("portal", "0006_email_claimed_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="search_vector",
            field=portal.search.TsVectorField(editable=False, null=True),
        ),
        migrations.RunPython(write_name_vectors, migrations.RunPython.noop, atomic=True),
        AddIndexConcurrently(
            model_name="organization",
            index=GinIndex(fields=["search_vector"], name="portal_org_name_search"),
        ),
        AddIndexConcurrently(
            model_name="organization",
            index=models.Index(fields=["uscc"], name="portal_org_uscc_prefix", opclasses=["varchar_pattern_ops"]),
        ),
    ]
