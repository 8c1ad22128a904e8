"""The webhook reports function."""
