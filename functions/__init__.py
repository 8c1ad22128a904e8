"""Lambda functions: one package each, `<name>/handler.py`'s `handler` the entry point, and
`runtime`, what the SQS-driven and scheduled ones share."""
