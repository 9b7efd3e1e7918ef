"""transfer_listing.contact_phone is stored encrypted (portal.crypto): the column becomes text holding the Fernet token,
and values already stored in clear are encrypted in place, in batches."""

import portal.crypto
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    portal.crypto.encrypt_in_place("transfer_listing", "contact_phone", using=schema_editor.connection)



class Migration(migrations.Migration):

    dependencies = [
        ('transfer', '0002_showcases'),
    ]

    operations = [
        migrations.AlterField(
            model_name='listing',
            name='contact_phone',
            field=portal.crypto.EncryptedCharField(max_length=32, verbose_name='contact phone'),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
    ]
