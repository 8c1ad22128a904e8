"""The outbound function."""
