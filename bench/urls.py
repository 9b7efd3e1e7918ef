"""The benchmark's URLconf: the portal's own (config.urls) plus the baseline views.

BENCH_SEARCH_CAP (unset in a normal run) measures a proposed value of transfer.selectors.SEARCH_CAP
in the served process, the "after" of the search fix; the report names it."""

import os

from django.urls import include, path

from .baseline import baseline_list

if os.environ.get("BENCH_SEARCH_CAP"):
    import transfer.selectors

    transfer.selectors.SEARCH_CAP = int(os.environ["BENCH_SEARCH_CAP"])

urlpatterns = [
    path("bench/baseline/<str:name>/", baseline_list, name="bench-baseline"),
    path("", include("config.urls")),
]
