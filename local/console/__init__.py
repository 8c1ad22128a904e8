"""The local web console (`/console` of `make dev`): mail, outbox, events and a compose box in
a browser. Local only: never deployed, not in the Lambda layer."""

from local.console.app import Console, ConsoleRequest

__all__ = ["Console", "ConsoleRequest"]
