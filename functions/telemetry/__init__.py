"""The telemetry function."""
