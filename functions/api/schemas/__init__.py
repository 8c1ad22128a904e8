"""Request and response bodies of the API (validated by pydantic, published in OpenAPI), one
module per router of `routes/`; `common` holds what they share."""
