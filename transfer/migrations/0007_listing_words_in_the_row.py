"""A listing's words (``search_vector``) are kept in its row, not in the table's TOAST relation.

The search tests each candidate's words: the GIN index finds rows that may match, and each is read to
check a phrase's adjacency, filter by kind and rank. A listing's words take about 2.4 kB (a bigram per
pair of characters, with positions), more than PostgreSQL keeps in a row by default (2 kB), and they do
not compress, so every candidate cost a TOAST index probe and two chunk reads. Kept in the row, the
search's SQL over a million listings (the endpoint's own SQL, pgbench, bench issue 10), the same rows:
芯片 in Tianjin's supplies 9.3–9.9 → 2.8–4.4 ms, 电池 unfiltered 10.0–10.9 → 4.0–4.5, 动力电池
14.0–16.6 → 8.8–10.5. The cost is space: the table went from 1.6 GB of rows and 2.5 GB of TOAST to 5.3
GB of rows (a page holds one or two listings).

- ``STORAGE MAIN``: the words are the last column moved out of a row, only when the row alone would not
  fit a page.
- ``toast_tuple_target = 8160`` (a page): a row is shortened only past a page, so the title, summary and
  description of a usual listing stay in the row too, rather than each being pushed out to make room for
  the words.

Both apply to rows written from now on. Rows already stored keep their words out of line until their
words are written again: a draft's on its next edit (``refresh_search``); a published listing's words
are not rewritten by its workflow steps (an UPDATE that leaves a value alone keeps it where it is), so
the public listings, the ones the search reads, move only when the table is rewritten:
``VACUUM FULL transfer_listing`` in a maintenance window (it locks the table and needs free disk for a
full copy; a million listings took three and a half minutes on the benchmark machine, its indexes
rebuilt), then
``VACUUM (ANALYZE) transfer_listing`` (13 s): VACUUM FULL leaves the visibility map empty, and until it is
filled the index-only counts of the listings page read every row (the page's throughput halved).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("transfer", "0006_province_search_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            sql=[
                "ALTER TABLE transfer_listing ALTER COLUMN search_vector SET STORAGE MAIN",
                "ALTER TABLE transfer_listing SET (toast_tuple_target = 8160)",
            ],
            reverse_sql=[
                "ALTER TABLE transfer_listing RESET (toast_tuple_target)",
                "ALTER TABLE transfer_listing ALTER COLUMN search_vector SET STORAGE EXTENDED",
            ],
        ),
    ]
