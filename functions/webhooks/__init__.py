"""The webhook dispatcher function."""
