import pytest

from .factories import Agencies


@pytest.fixture
def agencies(db):
    return Agencies()
