"""API viewsets of this app."""
