"""Row-level policies (portal.permissions.Policy) for this app's records."""
