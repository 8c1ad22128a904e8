"""The local platform (never deployed): embedded PostgreSQL, moto, an API Gateway emulator."""
