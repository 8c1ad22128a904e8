"""The migration function, run on every deploy by a CDK trigger."""
