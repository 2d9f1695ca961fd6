"""DynamoDB Time to Live on the lab clock (helpers/dynamodb_ttl.py): moto never deletes
expired items; the lab deletes those of TTL-enabled tables whose TTL attribute (a Number,
epoch seconds) is past, and nothing else (DynamoDB DG ``howitworks-ttl``)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from helpers import dynamodb_ttl

ACCOUNT = "123456789012"
NOW = 1_795_251_600


@pytest.fixture
def ddb(moto_env: None) -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


def table(ddb: Any, name: str, *, ttl: str | None = "expiresAt", range_key: bool = False) -> None:
    keys = [{"AttributeName": "id", "KeyType": "HASH"}]
    attributes = [{"AttributeName": "id", "AttributeType": "S"}]
    if range_key:
        keys.append({"AttributeName": "n", "KeyType": "RANGE"})
        attributes.append({"AttributeName": "n", "AttributeType": "N"})
    ddb.create_table(
        TableName=name,
        KeySchema=keys,
        AttributeDefinitions=attributes,
        BillingMode="PAY_PER_REQUEST",
    )
    if ttl is not None:
        ddb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl}
        )


def put(ddb: Any, name: str, item_id: str, **attrs: dict[str, str]) -> None:
    ddb.put_item(TableName=name, Item={"id": {"S": item_id}, **attrs})


def ids(ddb: Any, name: str) -> set[str]:
    return {item["id"]["S"] for item in ddb.scan(TableName=name)["Items"]}


def test_deletes_only_items_past_their_expiry(ddb: Any) -> None:
    table(ddb, "sessions")
    put(ddb, "sessions", "past", expiresAt={"N": str(NOW - 1)})
    put(ddb, "sessions", "now", expiresAt={"N": str(NOW)})
    put(ddb, "sessions", "future", expiresAt={"N": str(NOW + 1)})
    put(ddb, "sessions", "fraction", expiresAt={"N": f"{NOW}.5"})
    put(ddb, "sessions", "none")
    deleted = dynamodb_ttl.sweep(NOW, ACCOUNT)
    assert sorted(deleted, key=str) == [
        ("sessions", {"id": {"S": "now"}}),
        ("sessions", {"id": {"S": "past"}}),
    ]
    assert ids(ddb, "sessions") == {"future", "fraction", "none"}
    assert dynamodb_ttl.sweep(NOW, ACCOUNT) == []  # nothing left to do
    dynamodb_ttl.sweep(NOW + 1, ACCOUNT)
    assert ids(ddb, "sessions") == {"none"}


def test_only_number_attributes_expire(ddb: Any) -> None:
    table(ddb, "sessions")
    put(ddb, "sessions", "string", expiresAt={"S": str(NOW - 100)})
    put(ddb, "sessions", "list", expiresAt={"L": [{"N": str(NOW - 100)}]})
    put(ddb, "sessions", "other-attribute", ttl={"N": str(NOW - 100)})
    put(ddb, "sessions", "number", expiresAt={"N": str(NOW - 100)})
    assert dynamodb_ttl.sweep(NOW, ACCOUNT) == [("sessions", {"id": {"S": "number"}})]
    assert ids(ddb, "sessions") == {"string", "list", "other-attribute"}


def test_only_tables_with_ttl_enabled(ddb: Any) -> None:
    table(ddb, "enabled")
    table(ddb, "never", ttl=None)
    table(ddb, "disabled")
    ddb.update_time_to_live(
        TableName="disabled",
        TimeToLiveSpecification={"Enabled": False, "AttributeName": "expiresAt"},
    )
    for name in ("enabled", "never", "disabled"):
        put(ddb, name, "old", expiresAt={"N": str(NOW - 1)})
    assert dynamodb_ttl.sweep(NOW, ACCOUNT) == [("enabled", {"id": {"S": "old"}})]
    assert ids(ddb, "never") == ids(ddb, "disabled") == {"old"}


def test_the_table_s_own_attribute_name_and_range_keys(ddb: Any) -> None:
    table(ddb, "events", ttl="deleteAt", range_key=True)
    ddb.put_item(
        TableName="events",
        Item={"id": {"S": "a"}, "n": {"N": "1"}, "deleteAt": {"N": str(NOW - 5)}},
    )
    ddb.put_item(
        TableName="events",
        Item={"id": {"S": "a"}, "n": {"N": "2"}, "expiresAt": {"N": str(NOW - 5)}},
    )
    assert dynamodb_ttl.sweep(NOW, ACCOUNT) == [("events", {"id": {"S": "a"}, "n": {"N": "1"}})]
    left = ddb.scan(TableName="events")["Items"]
    assert [item["n"]["N"] for item in left] == ["2"]


def test_every_region_of_the_account(ddb: Any) -> None:
    table(ddb, "here")
    west = boto3.client("dynamodb", region_name="eu-west-1")
    table(west, "there")
    put(ddb, "here", "x", expiresAt={"N": str(NOW - 1)})
    put(west, "there", "y", expiresAt={"N": str(NOW - 1)})
    assert sorted(name for name, _ in dynamodb_ttl.sweep(NOW, ACCOUNT)) == ["here", "there"]
    assert dynamodb_ttl.sweep(NOW, "000000000000") == []  # another account: nothing


def test_moving_the_lab_clock_expires_items(fresh_lab: Any) -> None:
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    fresh_lab.clock.freeze(NOW)
    table(ddb, "sessions")
    put(ddb, "sessions", "soon", expiresAt={"N": str(NOW + 60)})
    put(ddb, "sessions", "later", expiresAt={"N": str(NOW + 3600)})
    fresh_lab.clock.advance(59)
    assert ids(ddb, "sessions") == {"soon", "later"}
    fresh_lab.clock.advance(1)
    assert ids(ddb, "sessions") == {"later"}
    fresh_lab.clock.freeze(NOW + 7200)
    assert ids(ddb, "sessions") == set()
