"""PostgreSQL adapters: the connection, the migration runner, the repositories."""
