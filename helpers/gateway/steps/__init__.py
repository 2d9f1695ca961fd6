"""One module per pipeline step; each exposes ``step(ctx)`` (see helpers.gateway.pipeline)."""
