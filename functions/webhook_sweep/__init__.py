"""The webhook sweep function."""
