"""Organizations found by a word of their name: the organization box's suggestions
(portal.selectors.organization_suggestions) scanned the register, 13 ms for 45,000 organizations on
the bench machine and growing with it. This writes the names' vectors of the organizations there are
(Organization.save writes them from now on); 0008 builds their index. Not one transaction: adding
the column locks the table for a moment only, and the vectors are written in batches of their own,
so organizations are read and saved meanwhile; each step can run again after a failure (the column
is added if missing, only the missing vectors are written). A name saved by code older than this one
leaves no vector: ``manage.py write_name_vectors`` writes the missing ones."""

from django.db import migrations

import portal.search


def write_name_vectors(apps, schema_editor):
    from portal.search import write_missing_name_vectors

    write_missing_name_vectors(apps.get_model("portal", "Organization"), schema_editor.connection.alias)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("portal", "0006_email_claimed_at"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE portal_organization ADD COLUMN IF NOT EXISTS search_vector tsvector NULL",
                    "ALTER TABLE portal_organization DROP COLUMN IF EXISTS search_vector",
                )
            ],
            state_operations=[
                migrations.AddField(
                    model_name="organization",
                    name="search_vector",
                    field=portal.search.TsVectorField(editable=False, null=True),
                )
            ],
        ),
        migrations.RunPython(write_name_vectors, migrations.RunPython.noop, atomic=False),
    ]
