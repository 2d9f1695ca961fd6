"""Throttling and quotas (reference §1): token buckets on the lab clock, usage-plan quotas,
and which limits apply to a request, in the documented order."""
