"""django-filter FilterSets for this app's lists (pages and API)."""
