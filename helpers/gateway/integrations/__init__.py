"""Integrations: what API Gateway calls once a request is routed and allowed."""
