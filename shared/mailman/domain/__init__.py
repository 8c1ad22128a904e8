"""Entities, value objects and rules of Mailman: stdlib and pydantic only, no I/O."""
