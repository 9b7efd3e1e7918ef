"""API viewsets of technology transfer: listings (with search and matches), the directory, matching
lists and pairs, valuation requests and deals."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api.permissions import PublicReadPermission
from portal.api.viewsets import (
    IDEMPOTENCY_PARAMETER,
    PortalReadOnlyViewSet,
    PortalViewSet,
    TransitionMixin,
)
from portal.exceptions import ValidationError
from portal.models import Organization, Region
from portal.selectors import as_rows, lookup
from portal.throttling import ScopeThrottle

from .. import selectors, services
from ..filters import (
    BaseFilterSet,
    DealFilterSet,
    ListingCursorFilterSet,
    ListingFilterSet,
    MatchPairFilterSet,
)
from ..models import Base, Deal, Listing, MatchingList, MatchPair, Showcase, ValuationRequest
from ..permissions import sees_contact
from . import serializers as s

__all__ = [
    "ListingViewSet",
    "BaseViewSet",
    "MatchingListViewSet",
    "MatchPairViewSet",
    "ValuationRequestViewSet",
    "DealViewSet",
    "ShowcaseViewSet",
]


class PublicSearchThrottle(ScopeThrottle):
    """Searches per client (the rate is settings' ``public_search``; the listings page counts in it too)."""

    scope = "public_search"


LIST_COLUMNS = (
    "id",
    "kind",
    "result_type",
    "title",
    "summary",
    "field",
    "trl",
    "ip_refs",
    "transfer_mode",
    "price",
    "negotiable",
    "owner_id",
    "region_id",
    "base_id",
    "expires_on",
    "state",
    "published_at",
)
CONTACT_COLUMNS = ("contact_name", "contact_phone", "contact_email")
# Looked up, not joined: the search ranks its candidates before the LIMIT, and a lookup runs for the
# rows shown only (20), where a join ran for every candidate (500); 12 % of the search's SQL (bench).
LIST_NAMES = {
    "owner_name": lookup(Organization, "name", pk="owner"),
    "region_name": lookup(Region, "name", pk="region"),
}


class ListingViewSet(TransitionMixin, PortalViewSet):
    """Technology supply and demand. Anyone may read published listings (contact data only for
    signed-in users); members of an organization and partner systems create them.

    On the list, ``q`` is a filter (listings containing every word) that keeps the cursor order,
    newest first; ``listings/search/`` ranks by relevance."""

    queryset = Listing.objects.select_related("owner", "region", "base").defer("search_vector")
    serializer_class = s.ListingSerializer
    permission_classes = [PublicReadPermission]
    api_scope = "transfer"
    transition_extra_inputs = False  # only what the input serializer declares
    transition_services = {
        "submit": services.listing_submit,
        "publish": services.listing_publish,
        "return": services.listing_return,
        "negotiate": services.listing_negotiate,
        "conclude": services.listing_conclude,
        "withdraw": services.listing_withdraw,
    }

    @property
    def filterset_class(self):
        # the search ranks (ListingFilterSet); the cursor-paginated list only filters
        return ListingFilterSet if getattr(self, "action", None) == "search" else ListingCursorFilterSet

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action in ("list", "search"):
            # The list shows the scalar columns and two related names: read only those (and the contact
            # only for those who see it), the names as columns (portal.selectors.as_rows).
            columns = [*LIST_COLUMNS, *(CONTACT_COLUMNS if sees_contact(self.request.user, None) else ())]
            qs = as_rows(qs, columns=columns, names=LIST_NAMES)
        return qs

    def _finds_words(self) -> bool:
        return bool((self.request.query_params.get("q") or "").strip())

    def get_throttles(self):
        # the list's ``q`` looks words up as the search does: the same count (portal.throttling)
        if self.action == "list" and self._finds_words():
            return [PublicSearchThrottle()]
        return super().get_throttles()

    def list(self, request, *args, **kwargs):
        with selectors.index_first(active=self._finds_words()):
            return super().list(request, *args, **kwargs)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.ListingDetailSerializer
        if self.action == "create":
            return s.ListingWriteSerializer
        if self.action == "matches":
            return s.MatchSerializer
        if self.action in ("list", "search"):
            return s.ListingRowSerializer
        return super().get_serializer_class()

    @extend_schema(
        request=s.ListingWriteSerializer,
        responses=s.ListingDetailSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def create(self, request, *args, **kwargs):
        ser = s.ListingWriteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        submit = data.pop("submit", False)
        listing = services.listing_create(actor=request.user, data=data, submit=submit)
        listing = self.get_queryset().get(pk=listing.pk)
        return Response(
            s.ListingDetailSerializer(listing, context=self.get_serializer_context()).data, status=201
        )

    @extend_schema(request=s.ListingWriteSerializer, responses=s.ListingDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        """The owner changes a draft (also one returned by the reviewers)."""
        listing = self.get_object()
        ser = s.ListingWriteSerializer(data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        data = {k: v for k, v in ser.validated_data.items() if k not in ("submit", "kind")}
        services.listing_update(listing, actor=request.user, data=data)
        listing = self.get_queryset().get(pk=listing.pk)
        return Response(s.ListingDetailSerializer(listing, context=self.get_serializer_context()).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description=_("Words to find (Chinese or Latin)")),
            OpenApiParameter("limit", int, description="1–100, default 20"),
        ],
        responses=s.ListingRowSerializer(many=True),
    )
    @action(detail=False, methods=["get"], throttle_classes=[PublicSearchThrottle])
    def search(self, request):
        """The listings containing every word of ``q`` (with the list's filters), the most relevant first."""
        q = (request.query_params.get("q") or "").strip()
        if not q:
            raise ValidationError({"q": _("Enter words to search for.")})
        try:
            limit = max(1, min(100, int(request.query_params.get("limit", 20))))
        except ValueError:
            raise ValidationError({"limit": _("Enter a number from 1 to 100.")}) from None
        qs = self.filter_queryset(self.get_queryset())
        with selectors.index_first():
            rows = list(qs[:limit])
        return Response(
            {"results": s.ListingRowSerializer(rows, many=True, context=self.get_serializer_context()).data}
        )

    @extend_schema(parameters=[OpenApiParameter("limit", int)], responses=s.MatchSerializer(many=True))
    @action(detail=True, methods=["get"])
    def matches(self, request, pk=None):
        """The best matching listings of the other kind, with the reasons."""
        listing = self.get_object()
        try:
            limit = max(1, min(50, int(request.query_params.get("limit", 10))))
        except ValueError:
            raise ValidationError({"limit": _("Enter a number from 1 to 50.")}) from None
        rows = selectors.match_list(user=request.user, listing=listing, limit=limit)
        return Response(
            {"results": s.MatchSerializer(rows, many=True, context=self.get_serializer_context()).data}
        )


class BaseViewSet(PortalReadOnlyViewSet):
    """The directory: proof-of-concept centres, pilot bases, incubators and cooperation parks."""

    queryset = Base.objects.select_related("region")
    serializer_class = s.BaseSerializer
    filterset_class = BaseFilterSet
    permission_classes = [PublicReadPermission]
    api_scope = "transfer"

    def get_queryset(self):
        return selectors.base_list(user=self.request.user).order_by("-id")


class MatchingListViewSet(PortalViewSet):
    """A region's supply–demand matching lists (officials of the region)."""

    queryset = MatchingList.objects.select_related("province")
    serializer_class = s.MatchingListSerializer
    api_scope = "transfer"

    def get_queryset(self):
        return selectors.matching_list_list(user=self.request.user).order_by("-id")

    @extend_schema(parameters=[IDEMPOTENCY_PARAMETER])
    def create(self, request, *args, **kwargs):
        ser = s.MatchingListSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        mlist = services.matching_list_create(
            actor=request.user, period=ser.validated_data["period"], title=ser.validated_data.get("title", "")
        )
        return Response(s.MatchingListSerializer(self.get_queryset().get(pk=mlist.pk)).data, status=201)


class MatchPairViewSet(TransitionMixin, PortalViewSet):
    """The pairs of the matching lists, tracked contacted → negotiating → deal / declined."""

    queryset = MatchPair.objects.all()
    serializer_class = s.MatchPairSerializer
    filterset_class = MatchPairFilterSet
    api_scope = "transfer"
    transition_extra_inputs = False  # only what the input serializer declares
    transition_services = {
        "negotiate": services.pair_negotiate,
        "deal": services.pair_deal,
        "decline": services.pair_decline,
    }

    def get_queryset(self):
        return selectors.pair_list(user=self.request.user)

    @extend_schema(request=s.MatchPairWriteSerializer, parameters=[IDEMPOTENCY_PARAMETER])
    def create(self, request, *args, **kwargs):
        ser = s.MatchPairWriteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        mlist = (
            selectors.matching_list_list(user=request.user)
            .filter(pk=ser.validated_data["matching_list"])
            .first()
        )
        if mlist is None:
            raise ValidationError({"matching_list": _("Choose one of your region's matching lists.")})
        pair = services.pair_propose(
            actor=request.user,
            matching_list=mlist,
            demand=ser.validated_data["demand"],
            supply=ser.validated_data["supply"],
        )
        return Response(s.MatchPairSerializer(self.get_queryset().get(pk=pair.pk)).data, status=201)


class ValuationRequestViewSet(TransitionMixin, PortalViewSet):
    """Valuation requests to service institutions and their results. The institution completes one
    with ``POST …/transition/complete/`` as multipart: ``result_value``, ``result_note`` and the
    ``report`` file (PDF, images, Office files or plain text)."""

    queryset = ValuationRequest.objects.all()
    serializer_class = s.ValuationRequestSerializer
    api_scope = "transfer"
    transition_extra_inputs = False  # only what the input serializer declares
    transition_input_serializer = s.ValuationTransitionSerializer
    transition_services = {
        "accept": services.valuation_accept,
        "complete": services.valuation_complete,
        "decline": services.valuation_decline,
    }

    @extend_schema(
        request={
            "multipart/form-data": s.ValuationTransitionSerializer,
            "application/json": s.ValuationTransitionSerializer,
        },
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"], url_path=r"transition/(?P<transition>[a-z_]+)")
    def transition(self, request, pk=None, transition=None):
        return super().transition(request, pk=pk, transition=transition)

    def get_queryset(self):
        return selectors.valuation_list(user=self.request.user)

    @extend_schema(request=s.ValuationWriteSerializer, parameters=[IDEMPOTENCY_PARAMETER])
    def create(self, request, *args, **kwargs):
        ser = s.ValuationWriteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        listing = selectors.listing_list(user=request.user).filter(pk=ser.validated_data["listing"]).first()
        if listing is None:
            raise ValidationError({"listing": _("Choose one of your listings.")})
        v = services.valuation_request(
            actor=request.user,
            listing=listing,
            institution=ser.validated_data["institution"],
            note=ser.validated_data.get("note", ""),
        )
        v = self.get_queryset().get(pk=v.pk)
        return Response(
            s.ValuationRequestSerializer(v, context=self.get_serializer_context()).data, status=201
        )


class DealStatisticsSerializer(drf_serializers.Serializer):
    year = drf_serializers.IntegerField()
    field = drf_serializers.CharField()
    deals = drf_serializers.IntegerField()
    amount = drf_serializers.DecimalField(max_digits=16, decimal_places=2)
    within = drf_serializers.IntegerField()
    within_amount = drf_serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    outside = drf_serializers.IntegerField()
    outside_amount = drf_serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    share = drf_serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text="% of the deals within the three regions"
    )
    amount_share = drf_serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text="% of the amount within the three regions"
    )
    share_change = drf_serializers.DecimalField(
        max_digits=6,
        decimal_places=1,
        allow_null=True,
        help_text="percentage points since the field's previous year with deals",
    )


class DealTrendSerializer(drf_serializers.Serializer):
    year = drf_serializers.IntegerField()
    deals = drf_serializers.IntegerField()
    amount = drf_serializers.DecimalField(max_digits=16, decimal_places=2)
    within = drf_serializers.IntegerField()
    within_amount = drf_serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    outside = drf_serializers.IntegerField()
    outside_amount = drf_serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    share = drf_serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    amount_share = drf_serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    share_change = drf_serializers.DecimalField(
        max_digits=6, decimal_places=1, allow_null=True, help_text="percentage points since the previous year"
    )
    amount_share_change = drf_serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)


class DealStatisticsResponseSerializer(drf_serializers.Serializer):
    results = DealStatisticsSerializer(many=True)
    trend = DealTrendSerializer(many=True)


class DealViewSet(PortalViewSet):
    """Registered deals (technology contracts) and the statistics of transfers within the region."""

    queryset = Deal.objects.select_related("seller", "buyer", "seller_region", "buyer_region", "base")
    serializer_class = s.DealSerializer
    filterset_class = DealFilterSet
    api_scope = "transfer"

    @extend_schema(request=s.DealWriteSerializer, parameters=[IDEMPOTENCY_PARAMETER])
    def create(self, request, *args, **kwargs):
        ser = s.DealWriteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        deal = services.deal_register(actor=request.user, data=dict(ser.validated_data))
        return Response(
            s.DealSerializer(self.get_queryset().get(pk=deal.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses=DealStatisticsResponseSerializer)
    @action(detail=False, methods=["get"])
    def statistics(self, request):
        """Deals by year and field, within the three regions and to outside (``results``), and the
        trend of the share within the region year by year (``trend``, oldest first)."""
        qs = self.filter_queryset(self.get_queryset())
        return Response(
            {
                "results": DealStatisticsSerializer(selectors.deal_statistics(qs), many=True).data,
                "trend": DealTrendSerializer(selectors.deal_trend(qs), many=True).data,
            }
        )


class ShowcaseViewSet(PortalViewSet):
    """Showcases of results (成果展示推介): public; officials of the region compile them and feature
    published supply listings (contact data only for signed-in users)."""

    queryset = Showcase.objects.all()
    serializer_class = s.ShowcaseSerializer
    permission_classes = [PublicReadPermission]
    api_scope = "transfer"

    def get_queryset(self):
        qs = selectors.showcase_list(user=self.request.user)
        if self.action != "list":
            qs = qs.prefetch_related(selectors.showcase_prefetch(self.request.user))
        return qs

    def get_serializer_class(self):
        if self.action == "list":
            return s.ShowcaseSerializer
        if self.action == "create":
            return s.ShowcaseWriteSerializer
        if self.action in ("feature", "unfeature"):
            return s.ShowcaseFeatureSerializer
        return s.ShowcaseDetailSerializer

    def _detail(self, pk, status_code=200):
        obj = self.get_queryset().get(pk=pk)
        return Response(
            s.ShowcaseDetailSerializer(obj, context=self.get_serializer_context()).data, status=status_code
        )

    @extend_schema(
        request=s.ShowcaseWriteSerializer,
        responses=s.ShowcaseDetailSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def create(self, request, *args, **kwargs):
        ser = s.ShowcaseWriteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        showcase = services.showcase_create(actor=request.user, **ser.validated_data)
        return self._detail(showcase.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.ShowcaseFeatureSerializer,
        responses=s.ShowcaseDetailSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def feature(self, request, pk=None):
        """Feature a published technology supply in the showcase (its owner is told)."""
        showcase = self.get_object()
        ser = s.ShowcaseFeatureSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        services.showcase_feature(actor=request.user, showcase=showcase, **ser.validated_data)
        return self._detail(showcase.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.ShowcaseFeatureSerializer,
        responses=s.ShowcaseDetailSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def unfeature(self, request, pk=None):
        """Take a listing out of the showcase."""
        showcase = self.get_object()
        ser = s.ShowcaseFeatureSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        services.showcase_unfeature(
            actor=request.user, showcase=showcase, listing=ser.validated_data["listing"]
        )
        return self._detail(showcase.pk)
