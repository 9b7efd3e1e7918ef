"""Serializers of this app's API."""
