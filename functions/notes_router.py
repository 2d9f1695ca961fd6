"""The notes service of lab 01: one Lambda function answers every path of a REST API.

API Gateway sends it every request (``ANY /`` and ``ANY /{proxy+}``, Lambda proxy
integrations) and the function routes by itself, on ``event["httpMethod"]`` and
``event["path"]``:

- ``GET /`` → 200, what the service is and which stage answers (its ``env`` stage variable);
- ``GET /notes`` → 200, the notes; ``POST /notes`` with ``{"text": ...}`` → 201, the new note;
- ``GET /notes/{id}`` → 200, one note, or 404 ``{"message": "note not found"}``;
- anything else → 404 ``{"message": "no route for <METHOD> <path>"}`` — the function's
  answer, not API Gateway's.

Every answer carries the stage variable ``env`` in the header ``x-env``. (The notes live in
the function's memory: a new one is gone when the execution environment is; a real service
would keep them in DynamoDB, as notebook 03 does.)
"""

import json

NOTES = {
    "1": {"id": "1", "text": "Read the API Gateway developer guide"},
    "2": {"id": "2", "text": "Deploy to prod"},
}


def answer(event, status, body):
    env = (event.get("stageVariables") or {}).get("env", "")
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", "x-env": env},
        "body": json.dumps(body),
    }


def handler(event, context):
    method = event["httpMethod"]
    path = event["path"]
    parts = [part for part in path.split("/") if part]

    if method == "GET" and not parts:
        env = (event.get("stageVariables") or {}).get("env")
        stage = event["requestContext"]["stage"]
        return answer(event, 200, {"service": "notes", "stage": stage, "env": env})
    if parts == ["notes"] and method == "GET":
        return answer(event, 200, sorted(NOTES.values(), key=lambda note: note["id"]))
    if parts == ["notes"] and method == "POST":
        text = json.loads(event.get("body") or "{}").get("text", "")
        if not text:
            return answer(event, 400, {"message": 'a note needs a "text"'})
        note = {"id": str(len(NOTES) + 1), "text": text}
        NOTES[note["id"]] = note
        return answer(event, 201, note)
    if len(parts) == 2 and parts[0] == "notes" and method == "GET":
        note = NOTES.get(parts[1])
        if note is None:
            return answer(event, 404, {"message": "note not found"})
        return answer(event, 200, note)
    return answer(event, 404, {"message": f"no route for {method} {path}"})
