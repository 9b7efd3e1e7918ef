"""Pages of technology transfer: thin views over the selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.deadlines import open_deadlines_for
from portal.exceptions import PermissionDenied, TransitionNotAllowed, ValidationError
from portal.exports import xlsx_response
from portal.models import StateChange, content_type_for
from portal.pages import form_status, posted_step, refusal_message, run_service, show_errors
from portal.permissions import can, policy_for
from portal.views import paginate

from . import selectors, services
from .filters import BaseFilterSet, DealFilterSet, ListingFilterSet
from .forms import (
    DealForm,
    ListingForm,
    MatchingListForm,
    PairForm,
    ShowcaseFeatureForm,
    ShowcaseForm,
    ValuationCompleteForm,
    ValuationForm,
)
from .models import Listing, ListingState, TechField
from .permissions import may_publish, sees_contact
from .workflows import LISTING_WORKFLOW, PAIR_WORKFLOW, VALUATION_WORKFLOW

__all__ = [
    "home",
    "listing_detail",
    "listing_create",
    "listing_edit",
    "listing_transition",
    "valuation_create",
    "valuation_list",
    "valuation_transition",
    "matching_lists",
    "matching_list_detail",
    "pair_transition",
    "deal_list",
    "deal_create",
    "base_list",
    "base_detail",
    "showcase_list",
    "showcase_detail",
    "showcase_unfeature",
]


def _filter_status(filterset) -> int:
    """400 when a filter's value is not valid (the form names it; the other filters still apply)."""
    return 400 if filterset.is_bound and filterset.form.errors else 200


def home(request):
    """Public browsing and search of published listings (plus one's own and, for officials, those to review)."""
    filterset = ListingFilterSet(request.GET or None, queryset=selectors.listing_list(user=request.user))
    qs = filterset.qs
    searching = bool(filterset.form.is_valid() and filterset.form.cleaned_data.get("q"))
    # the parts a capped search takes its matches from, in order (ListingPolicy.parts), said to the
    # user unless a state filter already chose among them
    by_state = bool(searching and filterset.form.cleaned_data.get("state"))
    parts = [name for name, _q in policy_for(Listing).parts(request.user) or []]
    if request.GET.get("export") == "xlsx" and _filter_status(filterset) == 200:
        if not request.user.is_authenticated:
            return redirect(f"{_login_url()}?next={request.get_full_path()}")
        cols = [
            (_("Number"), lambda x: x.pk),
            (_("Kind"), lambda x: x.get_kind_display()),
            (_("Title"), lambda x: x.title),
            (_("Field"), lambda x: x.get_field_display()),
            (_("TRL"), lambda x: x.trl),
            (_("Transfer mode"), lambda x: x.get_transfer_mode_display()),
            (_("Price or budget (yuan)"), lambda x: "" if x.price is None else str(x.price)),
            (_("Owner"), lambda x: x.owner.name),
            (_("Region"), lambda x: x.region.name),
            (_("State"), lambda x: x.get_state_display()),
            (_("Expires on"), lambda x: x.expires_on),
        ]
        with selectors.index_first(active=searching):
            rows = list(qs[:10000])
        return xlsx_response(
            "transfer-listings", cols, rows, actor=request.user, description=request.GET.urlencode()
        )
    with selectors.index_first(active=searching):
        page = paginate(request, qs, per_page=20)
        page.object_list = list(page.object_list)
    return render(
        request,
        "transfer/home.html",
        {
            "filter": filterset,
            "page": page,
            "may_publish": may_publish(request.user),
            "searching": searching,
            "cap": selectors.SEARCH_CAP,
            "own_first": not by_state and "own" in parts,
            "region_after": not by_state and "region" in parts,
        },
        status=_filter_status(filterset),
    )


def _login_url() -> str:
    from django.conf import settings
    from django.shortcuts import resolve_url

    return resolve_url(settings.LOGIN_URL)


def listing_detail(request, pk: int):
    listing = get_object_or_404(selectors.listing_list(user=request.user).defer(None), pk=pk)
    user = request.user
    context = {
        "listing": listing,
        "show_contact": sees_contact(user, listing),
        "transitions": LISTING_WORKFLOW.available(listing, user) if user.is_authenticated else [],
        "may_edit": listing.state == ListingState.DRAFT and bool(can(user, "change", listing)),
    }
    if user.is_authenticated:
        context["changes"] = StateChange.objects.filter(
            content_type=content_type_for(listing), object_id=str(listing.pk)
        ).select_related("actor")
        context["deadlines"] = open_deadlines_for(listing)
        context["valuations"] = list(selectors.valuation_list(user=user).filter(listing=listing))
        context["may_request_valuation"] = bool(can(user, "request_valuation", listing))
        context["valuation_form"] = ValuationForm()
    if listing.is_public:
        context["matches"] = selectors.match_list(user=user, listing=listing, limit=10)
    return render(request, "transfer/listing_detail.html", context)


@login_required
def listing_create(request):
    if not may_publish(request.user):
        raise Http404
    form = ListingForm(request.POST or None)
    listing = None
    if request.method == "POST" and form.is_valid():
        listing = run_service(
            request,
            lambda: services.listing_create(
                actor=request.user, data=form.service_data(), submit="submit" in request.POST
            ),
            success=_("The listing was saved."),
            form=form,
        )
        if listing:
            return redirect(listing)
    return render(request, "transfer/listing_form.html", {"form": form}, status=form_status(form, listing))


@login_required
def listing_edit(request, pk: int):
    listing = get_object_or_404(selectors.listing_list(user=request.user).defer(None), pk=pk)
    if not can(request.user, "change", listing) or listing.state != ListingState.DRAFT:
        raise Http404
    initial = {
        f: getattr(listing, f) for f in services.LISTING_FIELDS if f not in ("region", "base", "ip_refs")
    }
    initial.update(region=listing.region_id, base=listing.base_id, ip_refs=", ".join(listing.ip_refs))
    form = ListingForm(request.POST or None, initial=initial)
    done = None
    if request.method == "POST" and form.is_valid():
        done = run_service(
            request,
            lambda: services.listing_update(listing, actor=request.user, data=form.service_data()),
            success=_("The listing was saved."),
            form=form,
        )
        if done:
            return redirect(listing)
    return render(
        request,
        "transfer/listing_form.html",
        {"form": form, "listing": listing},
        status=form_status(form, done),
    )


_LISTING_SERVICES = {
    "submit": services.listing_submit,
    "publish": services.listing_publish,
    "return": services.listing_return,
    "negotiate": services.listing_negotiate,
    "conclude": services.listing_conclude,
    "withdraw": services.listing_withdraw,
}


def _run_transition(request, obj, service_map) -> None:
    """Take the posted step; the page redirects whatever happened, a refusal of role stays a 403."""
    service = posted_step(request, service_map)
    run_service(
        request,
        lambda: service(obj, actor=request.user, reason=request.POST.get("reason", "")),
        success=_("Done."),
        raise_denied=True,
    )


@login_required
@require_POST
def listing_transition(request, pk: int):
    listing = get_object_or_404(selectors.listing_list(user=request.user), pk=pk)
    _run_transition(request, listing, _LISTING_SERVICES)
    return redirect(listing)


@login_required
@require_POST
def valuation_create(request, pk: int):
    listing = get_object_or_404(selectors.listing_list(user=request.user), pk=pk)
    form = ValuationForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            lambda: services.valuation_request(actor=request.user, listing=listing, **form.cleaned_data),
            success=_("The valuation was requested."),
            raise_denied=True,
        )
    else:
        messages.error(request, _("Some fields are not valid."))
    return redirect(listing)


@login_required
def valuation_list(request):
    page = paginate(request, selectors.valuation_list(user=request.user))
    rows = [(v, VALUATION_WORKFLOW.available(v, request.user)) for v in page]
    return render(
        request,
        "transfer/valuation_list.html",
        {"page": page, "rows": rows, "complete_form": ValuationCompleteForm()},
    )


def _valuation_complete(request, v):
    """The institution's value and report; a bad value or file re-shows the form (400) naming the field."""
    form = ValuationCompleteForm(request.POST, request.FILES)
    if form.is_valid():
        done = run_service(
            request,
            lambda: services.valuation_complete(v, actor=request.user, **form.cleaned_data),
            success=_("Done."),
            form=form,
            raise_denied=True,
        )
        if done or done.status == 409:  # done, or no longer possible: back to the list
            return redirect("transfer:valuation_list")
    v.refresh_from_db(fields=["state", "result_value", "result_note"])
    return render(request, "transfer/valuation_complete.html", {"v": v, "form": form}, status=400)


@login_required
@require_POST
def valuation_transition(request, pk: int):
    v = get_object_or_404(selectors.valuation_list(user=request.user), pk=pk)
    if request.POST.get("transition", "") == "complete":
        return _valuation_complete(request, v)
    step = posted_step(
        request,
        {
            "accept": lambda: services.valuation_accept(v, actor=request.user),
            "decline": lambda: services.valuation_decline(
                v, actor=request.user, reason=request.POST.get("reason", "")
            ),
        },
    )
    run_service(request, step, success=_("Done."), raise_denied=True)
    return redirect("transfer:valuation_list")


@login_required
def matching_lists(request):
    qs = selectors.matching_list_list(user=request.user)
    form = MatchingListForm(request.POST or None)
    mlist = None
    if request.method == "POST" and form.is_valid():
        mlist = run_service(
            request, lambda: services.matching_list_create(actor=request.user, **form.cleaned_data), form=form
        )
        if mlist:
            return redirect(mlist)
    return render(
        request,
        "transfer/matching_lists.html",
        {"page": paginate(request, qs), "form": form, "may_create": request.user.is_official},
        status=form_status(form, mlist),
    )


@login_required
def matching_list_detail(request, pk: int):
    mlist = get_object_or_404(selectors.matching_list_list(user=request.user), pk=pk)
    pairs = selectors.pair_list(user=request.user).filter(matching_list=mlist).order_by("-score", "id")
    if request.GET.get("state"):
        pairs = pairs.filter(state=request.GET["state"])
    if request.GET.get("export") == "xlsx":
        cols = [
            (_("Demand"), lambda p: f"{p.demand.pk} {p.demand.title}"),
            (_("Demand owner"), lambda p: p.demand.owner.name),
            (_("Demand region"), lambda p: p.demand.region.name),
            (_("Supply"), lambda p: f"{p.supply.pk} {p.supply.title}"),
            (_("Supply owner"), lambda p: p.supply.owner.name),
            (_("Supply region"), lambda p: p.supply.region.name),
            (_("Score"), lambda p: p.score),
            (_("Reasons"), lambda p: p.reasons),
            (_("State"), lambda p: p.get_state_display()),
        ]
        return xlsx_response(
            f"matching-list-{mlist.period}", cols, pairs, actor=request.user, description=mlist.title
        )
    form = PairForm(request.POST or None)
    done = None
    if request.method == "POST" and form.is_valid():
        done = run_service(
            request,
            lambda: services.pair_propose(actor=request.user, matching_list=mlist, **form.cleaned_data),
            success=_("The pair was proposed; both sides were told."),
            form=form,
        )
        if done:
            return redirect(mlist)
    page = paginate(request, pairs)
    rows = [(p, PAIR_WORKFLOW.available(p, request.user)) for p in page]
    return render(
        request,
        "transfer/matching_list_detail.html",
        {"mlist": mlist, "page": page, "rows": rows, "form": form},
        status=form_status(form, done),
    )


@login_required
@require_POST
def pair_transition(request, pk: int):
    pair = get_object_or_404(selectors.pair_list(user=request.user), pk=pk)
    _run_transition(
        request,
        pair,
        {"negotiate": services.pair_negotiate, "deal": services.pair_deal, "decline": services.pair_decline},
    )
    return redirect(pair.get_absolute_url())


@login_required
def deal_list(request):
    filterset = DealFilterSet(request.GET or None, queryset=selectors.deal_list(user=request.user))
    qs = filterset.qs
    if request.GET.get("export") == "xlsx" and _filter_status(filterset) == 200:
        cols = [
            (_("Registration number"), lambda d: d.registration_number),
            (_("Title"), lambda d: d.title),
            (_("Field"), lambda d: d.get_field_display()),
            (_("Contract amount (yuan)"), lambda d: str(d.contract_amount)),
            (_("Seller"), lambda d: d.seller.name),
            (_("Seller region"), lambda d: d.seller_region.name),
            (_("Buyer"), lambda d: d.buyer_name),
            (
                _("Buyer region"),
                lambda d: d.buyer_region.name if d.buyer_region else _("Outside the three regions"),
            ),
            (_("Signed on"), lambda d: d.signed_on),
        ]
        return xlsx_response("transfer-deals", cols, qs.iterator(chunk_size=2000), actor=request.user)
    stats = selectors.deal_statistics(qs)
    labels = dict(TechField.choices)
    for row in stats:
        row["field_label"] = labels.get(row["field"], row["field"])
    return render(
        request,
        "transfer/deal_list.html",
        {
            "filter": filterset,
            "page": paginate(request, qs),
            "stats": stats,
            "trend": selectors.deal_trend(qs),
        },
        status=_filter_status(filterset),
    )


@login_required
def deal_create(request):
    form = DealForm(request.POST or None)
    done = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["buyer_region"] = data["buyer_region"].pk if data.get("buyer_region") else None
        if data.get("listing"):
            visible_listing = selectors.listing_list(user=request.user).filter(pk=data["listing"]).first()
            data["listing"] = visible_listing.pk if visible_listing else -1
        else:
            data.pop("listing", None)
            data["seller"] = request.user.organization_id
        done = run_service(
            request,
            lambda: services.deal_register(actor=request.user, data=data),
            success=_("The deal was registered; the regions were told."),
            form=form,
        )
        if done:
            return redirect("transfer:deal_list")
    return render(request, "transfer/deal_form.html", {"form": form}, status=form_status(form, done))


def base_list(request):
    filterset = BaseFilterSet(request.GET or None, queryset=selectors.base_list(user=request.user))
    return render(
        request,
        "transfer/base_list.html",
        {"filter": filterset, "page": paginate(request, filterset.qs)},
        status=_filter_status(filterset),
    )


def base_detail(request, pk: int):
    base = get_object_or_404(selectors.base_list(user=request.user), pk=pk)
    listings = selectors.listing_list(user=request.user).filter(base=base)[:50]
    deals = (
        selectors.deal_list(user=request.user).filter(base=base)[:50] if request.user.is_authenticated else []
    )
    labels = dict(TechField.choices)
    return render(
        request,
        "transfer/base_detail.html",
        {
            "base": base,
            "listings": listings,
            "deals": deals,
            "field_labels": [labels.get(f, f) for f in base.fields],
        },
    )


def showcase_list(request):
    """Showcases of results (成果展示推介), public; officials open new ones for their region."""
    form = ShowcaseForm(request.POST or None)
    showcase = None
    may_create = bool(request.user.is_authenticated and request.user.is_official)
    if request.method == "POST":
        if not may_create:
            raise Http404
        if form.is_valid():
            showcase = run_service(
                request,
                lambda: services.showcase_create(actor=request.user, **form.cleaned_data),
                success=_("The showcase was created; now feature listings in it."),
                form=form,
            )
            if showcase:
                return redirect(showcase)
    return render(
        request,
        "transfer/showcase_list.html",
        {
            "page": paginate(request, selectors.showcase_list(user=request.user)),
            "form": form,
            "may_create": may_create,
        },
        status=form_status(form, showcase),
    )


def showcase_detail(request, pk: int):
    showcase = get_object_or_404(selectors.showcase_list(user=request.user), pk=pk)
    may_change = request.user.is_authenticated and bool(can(request.user, "change", showcase))
    form = ShowcaseFeatureForm(request.POST or None)
    done = None
    if request.method == "POST":
        if not may_change:
            raise Http404
        if form.is_valid():
            done = run_service(
                request,
                lambda: services.showcase_feature(actor=request.user, showcase=showcase, **form.cleaned_data),
                success=_("The listing is featured; its owner was told."),
                form=form,
            )
            if done:
                return redirect(showcase)
    return render(
        request,
        "transfer/showcase_detail.html",
        {
            "showcase": showcase,
            "items": selectors.showcase_items(user=request.user, showcase=showcase),
            "form": form,
            "may_change": may_change,
            "show_contact": request.user.is_authenticated,
        },
        status=form_status(form, done),
    )


@login_required
@require_POST
def showcase_unfeature(request, pk: int):
    showcase = get_object_or_404(selectors.showcase_list(user=request.user), pk=pk)
    # not run_service: a showcase one may not change is one that is not there (404, not a message)
    try:
        services.showcase_unfeature(
            actor=request.user, showcase=showcase, listing=request.POST.get("listing")
        )
    except ValidationError as exc:
        show_errors(request, exc)
    except TransitionNotAllowed as exc:
        messages.error(request, refusal_message(exc))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, _("The listing was taken out of the showcase."))
    return redirect(showcase)
