"""Pages of this app."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    return render(request, "ip_enforcement/home.html")
