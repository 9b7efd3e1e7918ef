"""Records of this app."""
