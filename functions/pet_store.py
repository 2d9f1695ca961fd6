"""A small pet store behind a REST API (Lambda proxy), for notebook 14's on-call day.

``GET /pets`` lists the pets, ``GET /pets/{id}`` gives one (404 when there is none). Two
environment variables let the notebook break it the way real backends break:

- ``DB_DELAY_MS``: every call waits that long first, like a database that got slow;
- ``RELEASE``: ``"2"`` is a bad release that reads a field old records do not have, so
  ``GET /pets/{id}`` raises ``KeyError`` for them.
"""

import json
import os
import time

PETS = {
    "1": {"id": 1, "type": "dog", "price": 249.99, "owner": "ana"},
    "2": {"id": 2, "type": "cat", "price": 124.99},
    "3": {"id": 3, "type": "fish", "price": 0.99},
}


def answer(status, body):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }


def handler(event, context):
    delay_ms = int(os.environ.get("DB_DELAY_MS", "0"))
    if delay_ms:
        time.sleep(delay_ms / 1000)
    pet_id = (event.get("pathParameters") or {}).get("id")
    if pet_id is None:
        return answer(200, list(PETS.values()))
    pet = PETS.get(pet_id)
    if pet is None:
        return answer(404, {"message": f"no pet {pet_id}"})
    if os.environ.get("RELEASE") == "2":
        pet = dict(pet, owner=pet["owner"].title())  # release 2 forgot older records
    return answer(200, pet)
