"""The bookshelf function (lab 01): a small books API behind a Lambda proxy integration.

Deploy it with handler ``bookshelf.handler`` (Python 3.12). API Gateway sends the whole
request as a proxy event (payload format 1.0); the function answers with
``{"statusCode", "headers", "body"}``.

- ``GET /books``          → 200, the list of books
- ``GET /books/{id}``     → 200, one book; 404 ``{"message": "book not found"}``
- ``POST /books``         → 201, the new book (needs a JSON body with a ``title``); 400 otherwise

Every answer echoes the stage variable ``greeting`` in the header ``x-greeting`` (when the
stage has one), so you can see stage variables reach the function.

The function keeps nothing between requests: a new book is returned, not stored. Storing
it (in DynamoDB) is a later lab.
"""

import json
import re

BOOKS = [
    {"id": "1", "title": "The Pragmatic Programmer", "author": "Andrew Hunt, David Thomas"},
    {"id": "2", "title": "Designing Data-Intensive Applications", "author": "Martin Kleppmann"},
    {"id": "3", "title": "Release It!", "author": "Michael T. Nygard"},
]


def respond(event, status, body, extra_headers=None):
    headers = {"Content-Type": "application/json"}
    greeting = (event.get("stageVariables") or {}).get("greeting")
    if greeting is not None:
        headers["x-greeting"] = greeting
    headers.update(extra_headers or {})
    return {"statusCode": status, "headers": headers, "body": json.dumps(body)}


def slug(title):
    """``"Release It!"`` → ``"release-it"``: a new book's id, derived from its title."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "book"


def handler(event, context):
    method = event.get("httpMethod")
    resource = event.get("resource")

    if resource == "/books" and method == "GET":
        return respond(event, 200, BOOKS)

    if resource == "/books/{id}" and method == "GET":
        book_id = (event.get("pathParameters") or {}).get("id")
        for book in BOOKS:
            if book["id"] == book_id:
                return respond(event, 200, book)
        return respond(event, 404, {"message": "book not found"})

    if resource == "/books" and method == "POST":
        try:
            data = json.loads(event.get("body") or "")
        except ValueError:
            data = None
        if not isinstance(data, dict) or not str(data.get("title") or "").strip():
            return respond(event, 400, {"message": "a JSON body with a title is required"})
        book = {"id": slug(str(data["title"])), "title": data["title"]}
        if data.get("author"):
            book["author"] = data["author"]
        stage = (event.get("requestContext") or {}).get("stage", "")
        location = f"/{stage}/books/{book['id']}" if stage else f"/books/{book['id']}"
        return respond(event, 201, book, {"Location": location})

    return respond(event, 405, {"message": f"{method} {resource} is not supported"})
