"""Lambda functions: one package each; `handler.handler` is the entry point."""
