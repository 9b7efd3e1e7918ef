"""vouchers_provider.contact is stored encrypted (portal.crypto): the column becomes text holding the Fernet token,
and values already stored in clear are encrypted in place, in batches."""

import portal.crypto
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    portal.crypto.encrypt_in_place("vouchers_provider", "contact", using=schema_editor.connection)



class Migration(migrations.Migration):

    dependencies = [
        ('vouchers', '0002_programme_close_budget_changes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='provider',
            name='contact',
            field=portal.crypto.EncryptedCharField(blank=True, max_length=200, verbose_name='contact'),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
    ]
