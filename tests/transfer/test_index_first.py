"""``index_first()`` changes the planner's settings for the search only, also inside a transaction."""

import pytest
from django.db import connection, transaction

from transfer.selectors import index_first

pytestmark = pytest.mark.django_db


def _settings():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), current_setting('random_page_cost'),"
            " current_setting('cpu_index_tuple_cost')"
        )
        return cursor.fetchone()


def test_the_planner_settings_hold_inside_the_block_and_are_put_back_after_it():
    with transaction.atomic():  # as a service or a test would enclose it
        before = _settings()
        with index_first():
            assert _settings() == ("off", "1.1", "0.015")
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
        assert _settings() == ("off", "1.1", "0.015")
    assert _settings() == before
