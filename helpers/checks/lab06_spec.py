"""Lab 06's spec as data: ship v2 of the ``quotes-api`` safely (a canary, its metrics, then
promote or roll back). What the lab says — its hints and the check's messages — is in
``helpers/messages/<lang>/lab06.toml``."""

from __future__ import annotations

NAME = "quotes-api"
STAGE = "prod"
FUNCTION = "apigw-lab-06-quotes"
#: the stage variable that names the Lambda alias, and the two aliases
VARIABLE = "alias"
LIVE = "live"
NEXT = "next"
PATH = "quote"
#: the canary's share of the stage's requests
PERCENT = 10.0
#: promote when the canary's 5XXError rate is under this, else roll back
ERROR_BUDGET = 0.01
#: the metrics' Stage dimension value for the canary's requests [unc: AWS documents that a
#: canary has its own metrics, not this exact value; the emulator uses it]
CANARY_STAGE = f"{STAGE}/Canary"
#: the check's load through both deployments: requests per second and seconds (moto), and
#: how many requests it sends on a real account
LOAD_RATE = 10
LOAD_SECONDS = 20
AWS_REQUESTS = 50
#: the canary's share of the check's load may be this far from PERCENT (moto: the split is
#: seeded, so this only allows for the share of a short run)
SHARE_SLACK = 6.0
