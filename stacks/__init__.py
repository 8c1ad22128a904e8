"""The CDK app of Mailman: one construct per capability, composed by `MailmanStack`."""
