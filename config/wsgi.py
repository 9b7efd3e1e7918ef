import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
application = get_wsgi_application()

# Load the URLconf now (and through it every view, serializer, filter and form module), not on the
# first request, then move everything loaded so far out of the cyclic collector's sight. Those ~150,000
# objects live as long as the process; left in the oldest generation, every full collection walks
# them again: ~50–80 ms that one request in a few dozen paid, the tail of every list and page (bench,
# issue 10). Objects made while serving are still collected as before; the garbage of start-up is
# collected first, not frozen with the rest.
get_resolver().reverse_dict  # noqa: B018
gc.collect()
gc.freeze()
