"""Chinese full-text search: words from the middle of a description, filters with search, ranking."""

import pytest
from django.db.models import Count, Window

from portal.search import tsquery_for
from tests.factories import member
from transfer.models import ListingKind, ListingState, TechField, TransferMode
from transfer.selectors import listing_list, listing_search

from .factories import ListingFactory

pytestmark = pytest.mark.django_db


def _search(q, user=None, **filters):
    from django.contrib.auth.models import AnonymousUser

    from transfer.filters import ListingFilterSet

    data = {"q": q, **filters}
    return list(ListingFilterSet(data, queryset=listing_list(user=user or AnonymousUser())).qs)


def test_a_word_from_the_middle_of_a_chinese_description_finds_the_listing():
    hit = ListingFactory(
        title="一种电池隔膜",
        description="本发明公开了一种基于陶瓷涂覆的固态电池隔膜制备工艺，可显著提升动力电池的热稳定性。",
    )
    ListingFactory(title="中药提取工艺", description="采用超临界萃取技术提取组分中药有效成分。")
    assert _search("固态电池") == [hit]
    assert _search("热稳定") == [hit]  # not a jieba word on its own: bigrams still find it
    assert _search("涂覆") == [hit]
    assert _search("萃取") != [hit]
    assert _search("量子计算") == []


def test_search_is_exact_like_a_substring_match():
    a = ListingFactory(description="动力电池回收利用")
    ListingFactory(description="电池动力学模型与力电耦合")  # has every bigram's characters, not the phrase
    assert _search("动力电池") == [a]


def test_mixed_latin_and_chinese_terms_are_found():
    a = ListingFactory(title="5G基站射频前端芯片", description="面向5G通信的射频前端模组。")
    ListingFactory(title="4G模块", description="传统通信模组。")
    assert _search("5G") == [a]
    assert _search("5G 射频") == [a]


def test_filters_combine_with_search():
    supply = ListingFactory(description="高性能碳纤维复合材料成型工艺", field=TechField.NEW_MATERIALS, trl=7)
    demand = ListingFactory(
        kind=ListingKind.DEMAND,
        description="寻求碳纤维复合材料的低成本成型方案",
        field=TechField.NEW_MATERIALS,
        trl=4,
    )
    other_field = ListingFactory(
        description="碳纤维自行车车架", field=TechField.ADVANCED_MANUFACTURING, trl=7
    )
    expensive = ListingFactory(description="碳纤维复合材料储氢瓶", trl=8, price="9000000.00")
    assert set(_search("碳纤维")) == {supply, demand, other_field, expensive}
    assert _search("碳纤维", kind="demand") == [demand]
    assert set(_search("碳纤维", field=TechField.NEW_MATERIALS, trl_min=6)) == {supply, expensive}
    assert _search("碳纤维", field=TechField.NEW_MATERIALS, trl_min=6, price_max="1000000") == [supply]
    assert _search("碳纤维", mode=TransferMode.EQUITY) == []
    assert _search("碳纤维", region="120000") == []


def test_results_are_ranked_by_relevance_title_first():
    in_text = ListingFactory(title="材料成型设备", description="其中一个部件涉及石墨烯导热膜。")
    in_title = ListingFactory(title="石墨烯导热膜量产技术", description="石墨烯导热膜的卷对卷制备。")
    assert _search("石墨烯")[:2] == [in_title, in_text]


def test_anonymous_search_finds_only_published_listings():
    ListingFactory(description="钙钛矿光伏组件封装", state=ListingState.DRAFT)
    pub = ListingFactory(description="钙钛矿光伏组件封装技术", state=ListingState.PUBLISHED)
    assert _search("钙钛矿") == [pub]
    owner_user = member("110000")
    mine = ListingFactory(
        description="钙钛矿叠层电池", state=ListingState.DRAFT, owner=owner_user.organization
    )
    assert set(_search("钙钛矿", user=owner_user)) == {pub, mine}


def test_query_text_is_quoted_so_operators_in_input_are_harmless():
    ListingFactory(description="普通描述")
    for q in ["'", "a & | ! <->", "\\", "():*", "电池' | '"]:
        assert isinstance(_search(q), list)
    assert tsquery_for("") == ""


@pytest.mark.slow
def test_search_uses_the_gin_index_on_100000_listings(django_db_blocker):
    """EXPLAIN of the search query on 100,000 generated listings shows the GIN index at work."""
    from transfer.explain import explain_search, generate_listings

    generate_listings(100_000)
    plan = explain_search("固态电池")
    assert "transfer_listing_search_gin" in plan, plan
    assert "Seq Scan on transfer_listing" not in plan, plan


def test_listing_search_caps_the_ranked_set(monkeypatch):
    import transfer.selectors as sel

    monkeypatch.setattr(sel, "SEARCH_CAP", 3)
    for _ in range(5):
        ListingFactory(description="氢燃料电池电堆")
    from django.contrib.auth.models import AnonymousUser

    assert len(list(listing_search(listing_list(user=AnonymousUser()), "燃料电池"))) == 3


def _ranked_listings(word: str, n: int = 6) -> list:
    """``n`` listings containing ``word`` 1..n times, best ranked last created; alternate fields."""
    return [
        ListingFactory(
            title=f"样品{i}",
            description="，".join([f"{word}第{k}项" for k in range(i + 1)]),
            field=TechField.NEW_MATERIALS if i % 2 else TechField.ADVANCED_MANUFACTURING,
        )
        for i in range(n)
    ]


def _best_first(word: str):
    from django.contrib.auth.models import AnonymousUser

    return listing_search(listing_list(user=AnonymousUser()), word)


def test_a_slice_of_the_search_ranks_only_the_rows_it_shows_and_gives_the_same_rows():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    listings = _ranked_listings("超导磁体")
    everything = list(_best_first("超导磁体"))
    assert everything == listings[::-1]  # more occurrences rank higher
    with CaptureQueriesContext(connection) as ctx:
        first, second = list(_best_first("超导磁体")[:2]), list(_best_first("超导磁体")[2:4])
    assert [first, second] == [everything[:2], everything[2:4]]
    # the capped matches are ranked where they are found, and only as many as the slice ends at are kept
    assert "ORDER BY c.rank DESC, c.pk DESC LIMIT 2)" in ctx.captured_queries[0]["sql"]
    assert "ORDER BY c.rank DESC, c.pk DESC LIMIT 4)" in ctx.captured_queries[1]["sql"]
    assert _best_first("超导磁体").count() == 6
    assert _best_first("超导磁体").first() == everything[0]


def test_a_search_filtered_reversed_or_reordered_afterwards_still_sees_every_capped_match():
    """Keeping only the best k matches is right only for the search's own order and filters: a filter
    added later, another order, the reverse or a window must see every capped match, as before."""
    listings = _ranked_listings("超导磁体")
    everything = list(_best_first("超导磁体"))
    manufacturing = [x for x in everything if x.field == TechField.ADVANCED_MANUFACTURING]
    assert manufacturing[0] != everything[0]  # the best two are of both fields
    assert (
        list(_best_first("超导磁体").filter(field=TechField.ADVANCED_MANUFACTURING)[:2]) == manufacturing[:2]
    )
    assert list(_best_first("超导磁体").reverse()[:2]) == everything[::-1][:2]
    assert list(_best_first("超导磁体").order_by("id")[:2]) == listings[:2]
    assert list(_best_first("超导磁体").extra(order_by=["id"])[:2]) == listings[:2]
    assert _best_first("超导磁体").last() == everything[-1]
    counted = _best_first("超导磁体").annotate(matches=Window(Count("id")))[:2]
    assert [x.matches for x in counted] == [6, 6]


def test_a_search_ranked_again_by_other_words_sees_every_capped_match():
    from transfer.selectors import ts_rank

    more = ListingFactory(description="超导磁体，超导磁体，超导磁体")
    helium = ListingFactory(description="超导磁体用液氦")
    assert list(_best_first("超导磁体")) == [more, helium]
    again = _best_first("超导磁体").annotate(rank=ts_rank(tsquery_for("液氦")))
    assert list(again[:1]) == [helium]


def _toast_chunks() -> int:
    """TOAST chunks the listings' table has written in this transaction (no other session's count)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT pg_stat_get_xact_tuples_inserted(reltoastrelid) FROM pg_class"
            " WHERE oid = 'transfer_listing'::regclass"
        )
        return cur.fetchone()[0]


def test_a_listings_words_are_kept_in_its_row_where_the_search_reads_them():
    """The words of a listing of a usual length (here 3 kB of them, more than PostgreSQL keeps in a row
    by default) are stored in the row, with its title and description, not in the TOAST relation: the
    search reads the words of every candidate it checks (migration 0007, bench issue 10)."""
    from django.db import connection

    before = _toast_chunks()
    # 300 different characters: about 300 bigrams, words that do not compress
    listing = ListingFactory(description="".join(chr(0x4E00 + 7 * i) for i in range(300)))
    with connection.cursor() as cur:
        cur.execute("SELECT pg_column_size(search_vector) FROM transfer_listing WHERE id = %s", [listing.pk])
        assert cur.fetchone()[0] > 2100
    assert _toast_chunks() == before
    assert _search(chr(0x4E00 + 7 * 150) + chr(0x4E00 + 7 * 151)) == [listing]
