"""Records of technology transfer (articles 9, 10, 11 of the Tianjin decision): supply and demand
listings, the supply–demand matching list, valuation requests, deals, and the directory of
proof-of-concept centres, pilot bases, incubators and cooperation parks."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal import crypto
from portal.models import PROVINCE_CODES, Organization, Region, User
from portal.search import TsVectorField  # noqa: F401 - named by this app's migrations as transfer.models.TsVectorField

from .validators import validate_ip_reference

__all__ = [
    "TsVectorField",
    "ListingKind",
    "ResultType",
    "TechField",
    "TransferMode",
    "ListingState",
    "BaseKind",
    "Base",
    "Listing",
    "MatchingList",
    "PairState",
    "MatchPair",
    "ValuationState",
    "ValuationRequest",
    "Deal",
    "Showcase",
    "ShowcaseItem",
]

THREE_PROVINCES = ("110000", "120000", "130000")


def _province_of(region_id: str | None) -> str | None:
    if not region_id:
        return None
    return Region.objects.values_list("province_id", flat=True).get(pk=region_id) or region_id


class ListingKind(models.TextChoices):
    SUPPLY = "supply", _("Technology supply")
    DEMAND = "demand", _("Technology demand")


class ResultType(models.TextChoices):
    NONE = "", _("—")
    PATENT = "patent", _("Patent")
    SOFTWARE = "software_copyright", _("Software copyright")
    KNOW_HOW = "know_how", _("Know-how")
    PLANT_VARIETY = "plant_variety", _("New plant variety")
    IC_LAYOUT = "ic_layout", _("IC layout design")
    OTHER = "other", _("Other result")


class TechField(models.TextChoices):
    BASIC_SOFTWARE_HARDWARE = "basic_sw_hw", _("Basic software and hardware")
    ADVANCED_COMMUNICATIONS = "communications", _("Advanced communications")
    NEV_ICV = "nev_icv", _("New energy and intelligent connected vehicles")
    BRAIN_SCIENCE = "brain_science", _("Brain science")
    BIOPHARMA = "biopharma", _("Biopharmaceuticals")
    COMPONENT_TCM = "component_tcm", _("Component-based traditional Chinese medicine")
    NEW_MATERIALS = "new_materials", _("New materials")
    ADVANCED_MANUFACTURING = "manufacturing", _("Advanced manufacturing")
    ENERGY_ENVIRONMENT = "energy_environment", _("Energy and environment")
    AGRICULTURE = "agriculture", _("Modern agriculture")
    OTHER = "other", _("Other field")


class TransferMode(models.TextChoices):
    ASSIGNMENT = "assignment", _("Assignment")
    LICENSE = "license", _("Licence")
    EQUITY = "equity", _("Investment as equity")
    JOINT_DEVELOPMENT = "joint_development", _("Joint development")
    SERVICE = "service", _("Technical service")


class ListingState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    PUBLISHED = "published", _("Published")
    NEGOTIATING = "negotiating", _("In negotiation")
    CONCLUDED = "concluded", _("Concluded")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


PUBLIC_STATES = (ListingState.PUBLISHED, ListingState.NEGOTIATING, ListingState.CONCLUDED)


class BaseKind(models.TextChoices):
    POC_CENTRE = "poc_centre", _("Proof-of-concept centre")
    PILOT_BASE = "pilot_base", _("Pilot base")
    INCUBATOR = "incubator", _("Incubator")
    PARK = "park", _("Cooperation park")


class Base(models.Model):
    """A proof-of-concept centre, pilot base, incubator or cooperation park (art. 9, 11)."""

    kind = models.CharField(_("kind"), max_length=16, choices=BaseKind.choices)
    name = models.CharField(_("name"), max_length=200, unique=True)
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("region"))
    province = models.ForeignKey(Region, models.PROTECT, related_name="+", editable=False)
    fields = ArrayField(
        models.CharField(max_length=32, choices=TechField.choices),
        default=list,
        blank=True,
        verbose_name=_("fields"),
    )
    description = models.TextField(_("description"), blank=True)
    operator = models.ForeignKey(
        Organization, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("operator")
    )
    website = models.URLField(_("website"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("base or park")
        verbose_name_plural = _("bases and parks")
        indexes = [models.Index(fields=["kind", "province"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.province_id = _province_of(self.region_id)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("transfer:base_detail", args=[self.pk])


class Listing(models.Model):
    """A technology supply (科技成果) or demand (企业技术需求) listing."""

    kind = models.CharField(_("kind"), max_length=8, choices=ListingKind.choices)
    result_type = models.CharField(
        _("type of result"), max_length=24, choices=ResultType.choices, blank=True, default=""
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500)
    description = models.TextField(_("full description"))
    field = models.CharField(_("field"), max_length=32, choices=TechField.choices)
    trl = models.PositiveSmallIntegerField(
        _("technology readiness level"),
        null=True,
        blank=True,
        help_text=_("1–9; for a demand, the level sought"),
    )
    ip_refs = ArrayField(
        models.CharField(max_length=32, validators=[validate_ip_reference]),
        default=list,
        blank=True,
        verbose_name=_("IP references"),
    )
    transfer_mode = models.CharField(_("transfer mode"), max_length=24, choices=TransferMode.choices)
    price = models.DecimalField(
        _("price or budget (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    negotiable = models.BooleanField(_("negotiable"), default=False)
    owner = models.ForeignKey(
        Organization, models.PROTECT, related_name="transfer_listings", verbose_name=_("owner organization")
    )
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("region"))
    province = models.ForeignKey(Region, models.PROTECT, related_name="+", editable=False)
    base = models.ForeignKey(
        Base, models.SET_NULL, null=True, blank=True, related_name="listings", verbose_name=_("base or park")
    )
    contact_name = models.CharField(_("contact person"), max_length=100)
    contact_phone = crypto.EncryptedCharField(_("contact phone"), max_length=32)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    expires_on = models.DateField(_("expires on"))
    state = models.CharField(
        _("state"), max_length=16, choices=ListingState.choices, default=ListingState.DRAFT
    )
    created_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    expiry_warned_at = models.DateTimeField(null=True, blank=True)
    search_vector = TsVectorField(null=True, editable=False)
    key_terms = ArrayField(models.CharField(max_length=32), default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        constraints = [
            models.CheckConstraint(
                condition=Q(trl__isnull=True) | Q(trl__gte=1, trl__lte=9), name="transfer_listing_trl_1_9"
            ),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gte=0), name="transfer_listing_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(negotiable=True) | Q(price__isnull=False),
                name="transfer_listing_price_or_negotiable",
            ),
            models.CheckConstraint(
                condition=Q(kind="demand", result_type="") | (Q(kind="supply") & ~Q(result_type="")),
                name="transfer_listing_result_type_for_supply",
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="transfer_listing_search_gin"),
            # The public search: words and province in one GIN scan (btree_gin), over the public
            # listings only, so neither the state nor the province needs a second index ANDed in
            # (bench issue 10: 光刻 in Tianjin's supplies 80 → 13 ms). The kind stays out: two values
            # split 60/40 cost more to intersect in the index than to check on the rows found.
            GinIndex(
                fields=["search_vector", "province"],
                name="transfer_listing_public_search",
                condition=Q(state__in=list(PUBLIC_STATES)),
            ),
            # A province's public search: its own index, so the words' posting lists hold its listings
            # only and no province is intersected in the scan (光刻 in Tianjin's supplies: the GIN scan
            # 25 → 9 ms, the query 40 → 21 ms; bench issue 10). The composite above serves the
            # unfiltered search and a city's.
            *(
                GinIndex(
                    fields=["search_vector"],
                    name=f"transfer_listing_search_{code}",
                    condition=Q(state__in=list(PUBLIC_STATES), province=code),
                )
                for code in PROVINCE_CODES
            ),
            # The unpublished listings' words: a signed-in search reads one's own drafts and the region's
            # listings under review apart from the public ones (ListingPolicy's scope in parts), here
            # rather than among every listing's words (an enterprise's 工业互联网 in Tianjin: 25 → 13 ms,
            # the public search's own 10; bench issue 10). No province key: the planner then took the
            # whole words' index as cheaper for one's own, a few rows.
            GinIndex(
                fields=["search_vector"],
                name="transfer_listing_unpub_search",
                condition=~Q(state__in=list(PUBLIC_STATES)),
            ),
            GinIndex(fields=["key_terms"], name="transfer_listing_terms_gin"),
            models.Index(fields=["state", "kind", "field"], name="transfer_listing_state_kind"),
            models.Index(fields=["province", "state"], name="transfer_listing_prov_state"),
            # The cockpit's count of public supplies and demands per province (portal.dashboard), read
            # from this index alone: 745 → 95 ms over a million listings, every refresh (bench, issue
            # 10). Kind and province are carried, not keys, so no search can AND this index with its
            # words' index (the reverted key index on province, state, kind did, for common words).
            models.Index(
                fields=["state"],
                include=["kind", "province"],
                name="transfer_listing_public_tally",
                condition=Q(state__in=list(PUBLIC_STATES)),
            ),
            models.Index(
                fields=["expires_on"],
                name="transfer_listing_expiry",
                condition=Q(state__in=["published", "negotiating"]),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.province_id = _province_of(self.region_id)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("transfer:listing_detail", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.state in PUBLIC_STATES


class MatchingList(models.Model):
    """A region's supply–demand matching list (供需对接清单) for one period, for the joint meeting."""

    province = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("region"))
    period = models.CharField(_("period"), max_length=20, help_text=_("e.g. 2026-Q4"))
    title = models.CharField(_("title"), max_length=200)
    created_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period", "-id"]
        verbose_name = _("matching list")
        verbose_name_plural = _("matching lists")
        constraints = [
            models.UniqueConstraint(
                fields=["province", "period"], name="transfer_matching_list_one_per_period"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("transfer:matching_list_detail", args=[self.pk])


class PairState(models.TextChoices):
    CONTACTED = "contacted", _("Contacted")
    NEGOTIATING = "negotiating", _("Negotiating")
    DEAL = "deal", _("Deal")
    DECLINED = "declined", _("Declined")


class MatchPair(models.Model):
    """A proposed demand–supply pair on a matching list, tracked to a deal or a refusal."""

    matching_list = models.ForeignKey(MatchingList, models.CASCADE, related_name="pairs")
    demand = models.ForeignKey(Listing, models.PROTECT, related_name="+", verbose_name=_("demand"))
    supply = models.ForeignKey(Listing, models.PROTECT, related_name="+", verbose_name=_("supply"))
    score = models.FloatField(_("score"), default=0)
    reasons = models.CharField(_("reasons"), max_length=300, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=PairState.choices, default=PairState.CONTACTED
    )
    created_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-score", "id"]
        verbose_name = _("proposed pair")
        verbose_name_plural = _("proposed pairs")
        constraints = [
            models.UniqueConstraint(
                fields=["matching_list", "demand", "supply"], name="transfer_pair_unique"
            ),
            models.CheckConstraint(
                condition=~Q(demand=models.F("supply")), name="transfer_pair_two_listings"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.demand_id} ↔ {self.supply_id}"

    def get_absolute_url(self) -> str:
        return reverse("transfer:matching_list_detail", args=[self.matching_list_id])


class ValuationState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined")


class ValuationRequest(models.Model):
    """A request to a service institution to value a result; the result and report come back."""

    listing = models.ForeignKey(Listing, models.PROTECT, related_name="valuations", verbose_name=_("listing"))
    institution = models.ForeignKey(
        Organization, models.PROTECT, related_name="+", verbose_name=_("service institution")
    )
    requested_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    note = models.TextField(_("note"), blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=ValuationState.choices, default=ValuationState.REQUESTED
    )
    result_value = models.DecimalField(
        _("valuation (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    result_note = models.TextField(_("valuation remarks"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("valuation request")
        verbose_name_plural = _("valuation requests")
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="completed") | Q(result_value__isnull=False, result_value__gte=0),
                name="transfer_valuation_completed_has_value",
            )
        ]

    def __str__(self) -> str:
        return f"{self.listing} · {self.institution}"

    def get_absolute_url(self) -> str:
        return reverse("transfer:listing_detail", args=[self.listing_id])


class Deal(models.Model):
    """A concluded transfer: a registered technology contract."""

    listing = models.ForeignKey(
        Listing, models.PROTECT, null=True, blank=True, related_name="deals", verbose_name=_("listing")
    )
    title = models.CharField(_("title"), max_length=200)
    field = models.CharField(_("field"), max_length=32, choices=TechField.choices)
    contract_amount = models.DecimalField(_("contract amount (yuan)"), max_digits=14, decimal_places=2)
    registration_number = models.CharField(
        _("technology contract registration number"), max_length=40, unique=True
    )
    seller = models.ForeignKey(Organization, models.PROTECT, related_name="+", verbose_name=_("seller"))
    seller_region = models.ForeignKey(
        Region, models.PROTECT, related_name="+", verbose_name=_("seller region")
    )
    seller_province = models.ForeignKey(Region, models.PROTECT, related_name="+", editable=False)
    buyer = models.ForeignKey(
        Organization, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("buyer")
    )
    buyer_name = models.CharField(_("buyer name"), max_length=200)
    buyer_region = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("buyer region"),
        help_text=_("empty when the buyer is outside Beijing, Tianjin and Hebei"),
    )
    buyer_province = models.ForeignKey(Region, models.PROTECT, null=True, related_name="+", editable=False)
    within_region = models.BooleanField(_("within the three regions"), editable=False, default=False)
    signed_on = models.DateField(_("signed on"))
    base = models.ForeignKey(
        Base, models.SET_NULL, null=True, blank=True, related_name="deals", verbose_name=_("base or park")
    )
    registered_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        constraints = [
            models.CheckConstraint(condition=Q(contract_amount__gt=0), name="transfer_deal_amount_positive"),
            models.CheckConstraint(
                condition=Q(within_region=False) | Q(buyer_province__isnull=False),
                name="transfer_deal_within_needs_buyer_region",
            ),
        ]
        indexes = [models.Index(fields=["seller_province", "signed_on"], name="transfer_deal_prov_date")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.seller_province_id = _province_of(self.seller_region_id)
        self.buyer_province_id = _province_of(self.buyer_region_id)
        self.within_region = self.buyer_province_id in THREE_PROVINCES
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("transfer:deal_list") + f"?q={self.registration_number}"


class Showcase(models.Model):
    """A region's showcase of results (成果展示推介, art. 9): a named, dated collection of published
    supply listings, shown publicly (without contact data to anonymous visitors)."""

    province = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("region"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    venue = models.CharField(_("venue or event"), max_length=200, blank=True)
    starts_on = models.DateField(_("showcase starts on"))
    ends_on = models.DateField(_("showcase ends on"))
    created_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("showcase")
        verbose_name_plural = _("showcases")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="transfer_showcase_dates_ordered"
            ),
            models.UniqueConstraint(
                fields=["province", "title", "starts_on"], name="transfer_showcase_unique_title_date"
            ),
        ]
        indexes = [models.Index(fields=["province", "starts_on"], name="transfer_showcase_prov_date")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("transfer:showcase_detail", args=[self.pk])


class ShowcaseItem(models.Model):
    """A published supply listing featured in a showcase, with the officials' recommendation."""

    showcase = models.ForeignKey(Showcase, models.CASCADE, related_name="items", verbose_name=_("showcase"))
    listing = models.ForeignKey(
        Listing, models.PROTECT, related_name="showcase_items", verbose_name=_("listing")
    )
    note = models.CharField(_("recommendation"), max_length=300, blank=True)
    added_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("featured listing")
        verbose_name_plural = _("featured listings")
        constraints = [
            models.UniqueConstraint(fields=["showcase", "listing"], name="transfer_showcase_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.showcase_id} · {self.listing_id}"

    def get_absolute_url(self) -> str:
        return reverse("transfer:showcase_detail", args=[self.showcase_id])
