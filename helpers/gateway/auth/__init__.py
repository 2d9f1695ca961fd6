"""Authorizers: who is calling, and may they call this method or route (reference §3).

One set of mechanisms serves REST, HTTP and WebSocket APIs; the pipeline steps
(:mod:`..steps.authenticate`, :mod:`..steps.authorize`, :mod:`..steps.http_authorize`) only
choose which applies and how the answer is shaped for the API type.

- :mod:`.sigv4`: SigV4 signature checks against the access keys moto's IAM and STS hold,
  and the caller's identity policies (``AWS_IAM``).
- :mod:`.jwt_tokens`: JWT checks against an issuer's JWKS (HTTP API JWT authorizers and
  REST ``COGNITO_USER_POOLS`` authorizers).
- :mod:`.identity_sources`: where an authorizer reads its identity (headers, query
  strings, stage variables, ``$context``), for every API type's expression syntax.
- :mod:`.lambda_authorizer`: the one Lambda authorizer runner (invoke, parse the policy or
  simple answer, cache the result on the lab clock).
- :mod:`.events`: the input events a Lambda authorizer receives (TOKEN, REQUEST, HTTP API
  1.0 and 2.0, WebSocket ``$connect``).
"""
