"""Re-encrypt every stored ID and phone number under the current FIELD_ENCRYPTION_KEY.

Rotation, step by step (README "Security controls"): set FIELD_INDEX_KEY to the key the look-up hashes
were made with (the old FIELD_ENCRYPTION_KEY if FIELD_INDEX_KEY was never set), FIELD_ENCRYPTION_KEYS_PREVIOUS
to the old key and FIELD_ENCRYPTION_KEY to the new one; restart; run this command; then remove the old
key from FIELD_ENCRYPTION_KEYS_PREVIOUS and restart again. Safe to run on a live system and again."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal import audit, crypto
from portal.models import AuditAction


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column under the current FIELD_ENCRYPTION_KEY (after a key rotation)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, batch_size: int, **options):
        if settings.FIELD_ENCRYPTION_KEYS_PREVIOUS and not settings.FIELD_INDEX_KEY:
            # the look-up hashes follow FIELD_ENCRYPTION_KEY when FIELD_INDEX_KEY is empty: after the
            # switch to a new key no stored hash matches any more (the registry cannot be recomputed)
            raise CommandError(
                "FIELD_INDEX_KEY is not set: set it to the key the look-up hashes were made with (the old "
                "FIELD_ENCRYPTION_KEY) before rotating, or ID-number look-ups stop finding anyone."
            )
        report = crypto.rotate_all(batch_size=batch_size)
        for column, result in report.items():
            unreadable = result["unreadable"]
            line = f"{column}: {result['rotated']} re-encrypted"
            if unreadable:
                line += f", {len(unreadable)} unreadable (ids {unreadable[:10]})"
            self.stdout.write(line)
        rotated = sum(r["rotated"] for r in report.values())
        unreadable = {c: r["unreadable"] for c, r in report.items() if r["unreadable"]}
        audit.record(
            AuditAction.UPDATE,
            message=f"field encryption key rotated: {rotated} values re-encrypted",
            changes={"columns": {c: r["rotated"] for c, r in report.items()}, "unreadable": unreadable},
        )
        if unreadable:
            raise CommandError(
                "Some values open with none of the configured keys (listed above): keep the previous keys "
                "until they are restored or cleared."
            )
