"""The domain verifier, run by an EventBridge schedule."""
