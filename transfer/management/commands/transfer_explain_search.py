"""Print the plan of the listing search on a table of generated listings (rolled back afterwards)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from transfer.explain import explain_search, generate_listings


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Generate N listings in a transaction, print EXPLAIN of the search query, roll back."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--query", default="固态电池")

    def handle(self, *args, rows, query, **options):
        try:
            with transaction.atomic():
                generate_listings(rows)
                self.stdout.write(explain_search(query))
                raise _Rollback
        except _Rollback:
            pass
