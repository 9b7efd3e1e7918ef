"""Django admin for this app's records."""
