"""The inbound function: SES receipt notifications from SQS, into inboxes."""
