"""Write the name vectors the organization box's suggestions search (portal.search) for every
organization that has none: those saved by code older than migration 0007 during a rolling deploy.
Idempotent; run after a deploy that crossed 0007."""

from django.core.management.base import BaseCommand

from portal.models import Organization
from portal.search import write_missing_name_vectors


class Command(BaseCommand):
    help = "Write the missing name vectors of organizations (the organization box's suggestions)."

    def handle(self, *args, **options):
        written = write_missing_name_vectors(Organization)
        self.stdout.write(f"{written} organizations' name vectors written")
