"""Forms of this app's pages."""
