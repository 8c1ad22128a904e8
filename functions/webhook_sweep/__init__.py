"""The webhook sweep, run by an EventBridge schedule."""
