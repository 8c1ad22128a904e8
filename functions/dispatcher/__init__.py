"""The dispatcher function."""
