"""Webhooks: the endpoints a caller keeps, the deliveries the event log fans out to them, the
dispatcher's attempts and what they report."""
