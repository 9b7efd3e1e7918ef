"""talent_person.contact is stored encrypted (portal.crypto): the column becomes text holding the Fernet token,
and values already stored in clear are encrypted in place, in batches."""

import portal.crypto
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    portal.crypto.encrypt_in_place("talent_person", "contact", using=schema_editor.connection)



class Migration(migrations.Migration):

    dependencies = [
        ('talent', '0003_newest_first_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='person',
            name='contact',
            field=portal.crypto.EncryptedCharField(blank=True, max_length=100, verbose_name='contact'),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
    ]
