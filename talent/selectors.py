"""Reads of this app, scoped to the user and prefetched for what the page shows."""
