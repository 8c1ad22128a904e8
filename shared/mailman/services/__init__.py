"""One module per use case; services see ports and the domain, never Lambda, HTTP or SQL."""
