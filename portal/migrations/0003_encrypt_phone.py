"""portal.User.phone is stored encrypted (portal.crypto): the column becomes text holding the Fernet
token, and numbers already stored in clear are encrypted in place."""

from django.db import migrations

import portal.crypto


def encrypt_existing(apps, schema_editor):
    portal.crypto.encrypt_in_place("portal_user", "phone", using=schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_reference_data")]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="phone",
            field=portal.crypto.EncryptedCharField(blank=True, max_length=32, verbose_name="phone"),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
    ]
