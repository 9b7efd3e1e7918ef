"""Print the current six-digit code of the demo accounts' shared TOTP key (demo data only)."""

from django.core.management.base import BaseCommand
from django_otp.oath import TOTP

from .seed_demo import DEMO_OTP_KEY_HEX


class Command(BaseCommand):
    help = "Print the current TOTP code of the demo administrators, auditor and coordinators (demo key only)."

    def handle(self, *args, **options):
        totp = TOTP(bytes.fromhex(DEMO_OTP_KEY_HEX), step=30, t0=0, digits=6)
        self.stdout.write(f"{totp.token():06d}")
