"""``index_first()`` changes the planner's settings for the search only, also inside a transaction, and every
read of a search (API search and list, the page and its export) runs under them."""

import pytest
from django.db import connection, transaction

from transfer.selectors import index_first

pytestmark = pytest.mark.django_db


_SEARCH = ("off", "1.1", "0.015", "0")


def _settings():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), current_setting('random_page_cost'),"
            " current_setting('cpu_index_tuple_cost'), current_setting('max_parallel_workers_per_gather')"
        )
        return cursor.fetchone()


def test_the_planner_settings_hold_inside_the_block_and_are_put_back_after_it():
    with transaction.atomic():  # as a service or a test would enclose it
        before = _settings()
        with index_first():
            assert _settings() == _SEARCH
        assert _settings() == before


def test_a_block_left_by_an_error_leaves_the_settings_as_they_were():
    with transaction.atomic():
        before = _settings()
        with pytest.raises(RuntimeError), index_first():
            raise RuntimeError("the search failed")
        assert _settings() == before


# serialized_rollback, as the other transactional tests have (directly or through the celery_worker
# fixture): a plain one's flush re-creates the content types, which the next serialized test then
# loads again (a duplicate key at its setup)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_block_that_is_its_own_transaction_ends_the_settings_with_its_commit():
    before = _settings()
    with index_first():
        assert _settings() == _SEARCH
    assert _settings() == before


def _reads_outside_the_search_settings(captured) -> list[str]:
    """The captured queries that match words (``@@``) while the search's settings are not in force:
    each ``index_first`` block sets them with one ``set_config`` query and, inside a transaction, puts
    them back with another, so a word query is inside a block after an odd number of those."""
    outside, blocks = [], 0
    for query in captured:
        sql = query["sql"]
        if "set_config('enable_seqscan'" in sql:
            blocks += 1
        elif "@@" in sql and blocks % 2 == 0:
            outside.append(sql)
    return outside


@pytest.mark.parametrize(
    "path, signed_in",
    [
        ("/api/v1/transfer/listings/search/?q=巡检", False),
        ("/api/v1/transfer/listings/?q=巡检", False),
        ("/transfer/?q=巡检", False),
        ("/transfer/?q=巡检&export=xlsx", True),
    ],
    ids=["api search", "api list", "page", "page export"],
)
def test_every_read_of_a_search_runs_under_the_search_planner_settings(client, path, signed_in):
    from django.test.utils import CaptureQueriesContext

    from tests.factories import member

    from .factories import ListingFactory

    ListingFactory(title="无人机巡检", description="电力线路无人机巡检系统")
    if signed_in:
        client.force_login(member("110000"))
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(path)
    assert resp.status_code == 200
    assert any("@@" in q["sql"] for q in ctx.captured_queries)  # the words were looked up
    assert _reads_outside_the_search_settings(ctx.captured_queries) == []
