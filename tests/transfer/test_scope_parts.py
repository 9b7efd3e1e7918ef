"""A signed-in user's listings scope in parts (one's own, one's region's under review, the public ones),
and the search that reads each part on its own (portal.permissions.Scope, bench issue 10)."""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser

from portal.models import Role
from portal.permissions import can, official_province_id, split_scope, visible
from tests.factories import UserFactory, member, official
from transfer.models import Listing, ListingState
from transfer.selectors import listing_list, listing_search

from .factories import ListingFactory

pytestmark = pytest.mark.django_db


def _listings_of_every_state(owners) -> list[Listing]:
    return [ListingFactory(owner=owner, state=state) for owner in owners for state in ListingState]


def _users():
    tj_member = member("120000")
    tj_official = official("120000")
    return {
        "anonymous": AnonymousUser(),
        "tj_member": tj_member,
        "tj_official": tj_official,
        "bj_official": official("110000"),
        "admin": UserFactory(roles=[Role.PLATFORM_ADMIN]),
        "no_organization": UserFactory(organization=None, roles=[]),
    }


def test_the_parts_of_a_listings_scope_are_disjoint_and_add_up_to_the_scope():
    users = _users()
    tj_member, tj_official = users["tj_member"], users["tj_official"]
    others = [member("120000").organization, member("110000").organization, member("130000").organization]
    listings = _listings_of_every_state([tj_member.organization, tj_official.organization, *others])
    # a state no choice names (the column does not constrain it): the parts say "not public", so the
    # owner and the region's officials still see it, as before the scope was split
    for listing in (listings[0], listings[len(ListingState) * 2]):
        Listing.objects.filter(pk=listing.pk).update(state="archived")
        listing.refresh_from_db()
    for (name, user), action in itertools.product(users.items(), ["view", "change"]):
        scoped = visible(user, Listing.objects.all(), action)
        parts = [set(part) for part in split_scope(scoped)]
        for one, other in itertools.combinations(parts, 2):
            assert not one & other, (name, action)
        union = set().union(*parts)
        assert union == set(scoped), (name, action)
        if action == "view":
            assert union == {x for x in listings if can(user, "view", x)}, name
        else:  # one's own, and for an official the region's but drafts
            org, province = getattr(user, "organization_id", None), official_province_id(user)
            expected = {
                x
                for x in listings
                if (org and x.owner_id == org)
                or (province == x.province_id and x.state != ListingState.DRAFT)
            }
            assert union == (set(listings) if name == "admin" else expected), name
        # the scope as a subquery is resolved against the outer query
        assert set(Listing.objects.filter(pk__in=scoped.values("pk"))) == union, (name, action)
    assert len(split_scope(visible(tj_official, Listing.objects.all()))) == 3
    assert len(split_scope(visible(users["anonymous"], Listing.objects.all()))) == 1


def test_each_part_of_a_split_scope_is_read_without_the_scopes_or():
    parts = split_scope(listing_list(user=official("120000")).filter(kind="supply"))
    for part in parts:
        sql = str(part.query)
        assert " OR " not in sql, sql
        assert "kind" in sql  # the other filters are kept


def test_a_signed_in_search_finds_what_a_substring_match_over_the_users_scope_finds():
    users = _users()
    owners = [
        users["tj_member"].organization,
        users["tj_official"].organization,
        member("120000").organization,
    ]
    for owner, state in itertools.product(owners, ListingState):
        ListingFactory(owner=owner, state=state, description=f"固态电池隔膜{state}")
        ListingFactory(owner=owner, state=state, description="其他描述")
    for name, user in users.items():
        found = listing_search(listing_list(user=user), "电池隔膜")
        expected = {x for x in listing_list(user=user) if "电池隔膜" in x.description}
        assert set(found) == expected and found.count() == len(expected), name


def test_ones_own_unpublished_matches_are_ranked_first_and_ones_regions_after_the_public_ones(monkeypatch):
    import transfer.selectors as sel
    from transfer.filters import ListingFilterSet

    monkeypatch.setattr(sel, "SEARCH_CAP", 3)
    for _ in range(5):  # public, and ranked above the two below
        ListingFactory(description="氢燃料电池电堆，氢燃料电池，燃料电池双极板", state=ListingState.PUBLISHED)
    enterprise, reviewer = member("120000"), official("120000")
    mine = ListingFactory(description="燃料电池", state=ListingState.DRAFT, owner=enterprise.organization)
    under_review = ListingFactory(
        description="燃料电池", state=ListingState.SUBMITTED, owner=member("120000").organization
    )
    found = listing_search(listing_list(user=enterprise), "燃料电池")
    assert mine in list(found) and len(list(found)) == 3 and found.count() == 3
    assert list(found[:3])[-1] == mine  # ranked among them: its rank is the lowest
    # the public ones fill an official's cap; the state filter finds those under review
    assert under_review not in list(listing_search(listing_list(user=reviewer), "燃料电池"))
    submitted = ListingFilterSet(
        {"q": "燃料电池", "state": "submitted"}, queryset=listing_list(user=reviewer)
    )
    assert list(submitted.qs) == [under_review]
    monkeypatch.setattr(sel, "SEARCH_CAP", 10)
    assert under_review in list(listing_search(listing_list(user=reviewer), "燃料电池"))


def test_a_slice_of_a_signed_in_search_keeps_only_the_best_it_shows():
    """The scope split into parts is still the search's own filter: a slice keeps the best k."""
    for i in range(4):
        ListingFactory(description="，".join(["超导磁体"] * (i + 1)), state=ListingState.PUBLISHED)
    user = official("120000")
    everything = list(listing_search(listing_list(user=user), "超导磁体"))
    shown = listing_search(listing_list(user=user), "超导磁体")[:2]
    assert "UNION ALL" in str(shown.query) and "ORDER BY c.rank DESC, c.pk DESC LIMIT 2)" in str(shown.query)
    assert list(shown) == everything[:2]


def test_a_capped_search_page_says_which_listings_the_users_cap_takes_first(client, monkeypatch):
    import transfer.selectors as sel

    monkeypatch.setattr(sel, "SEARCH_CAP", 3)
    for _ in range(4):
        ListingFactory(description="燃料电池电堆", state=ListingState.PUBLISHED)
    own = "Your organization's unpublished listings are found first."
    region = "Your region's listings that are not public come after the public ones"
    shown = {}
    for name, user in [
        ("anonymous", None),
        ("enterprise", member("120000")),
        ("official", official("120000")),
    ]:
        client.logout()
        if user is not None:
            client.force_login(user)
        page = client.get("/transfer/?q=燃料电池", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "More than 3 listings match" in page, name
        shown[name] = (own in page, region in page)
    assert shown == {"anonymous": (False, False), "enterprise": (True, False), "official": (True, True)}
    page = client.get("/transfer/?q=燃料电池", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "本单位未发布的成果优先检索。" in page and "本地区未公开的成果排在公开成果之后" in page
    # a state filter has already chosen among the parts
    page = client.get("/transfer/?q=燃料电池&state=published", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "More than 3 listings match" in page and own not in page and region not in page
