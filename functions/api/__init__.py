"""The REST API function."""
