"""The webhook reports recorder function."""
