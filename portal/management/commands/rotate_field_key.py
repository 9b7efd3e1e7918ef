"""Re-encrypt every stored ID and phone number under the current FIELD_ENCRYPTION_KEY.

Rotation, step by step (README "Security controls"): set FIELD_ENCRYPTION_KEYS_PREVIOUS to the old key
and FIELD_ENCRYPTION_KEY to the new one (keep FIELD_INDEX_KEY as it is), restart, run this command,
then remove the old key from FIELD_ENCRYPTION_KEYS_PREVIOUS and restart again."""

from django.core.management.base import BaseCommand

from portal import audit, crypto
from portal.models import AuditAction


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column under the current FIELD_ENCRYPTION_KEY (after a key rotation)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, batch_size: int, **options):
        counts = crypto.rotate_all(batch_size=batch_size)
        for column, count in counts.items():
            self.stdout.write(f"{column}: {count} re-encrypted")
        audit.record(
            AuditAction.UPDATE,
            message=f"field encryption key rotated: {sum(counts.values())} values re-encrypted",
            changes={"columns": counts},
        )
