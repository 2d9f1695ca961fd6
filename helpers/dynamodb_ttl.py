"""DynamoDB Time to Live on the lab clock (moto target only).

moto records a table's TTL setting (``update_time_to_live``) but never deletes anything. On
AWS a background process deletes items whose TTL attribute (epoch seconds, a Number) is in
the past, "typically within a few days" of expiry, and until then reads still return them
(DynamoDB DG ``howitworks-ttl``): readers filter on the attribute themselves.

The lab cannot wait days, so it deletes an expired item as soon as the lab clock moves past
its expiry plus :data:`DELETE_DELAY_S` (0 by default): when a notebook freezes or advances
the clock, and when :func:`sweep` is called. Items without the attribute, or whose
attribute is not a Number, are never deleted (as on AWS).
"""

from __future__ import annotations

from typing import Any

#: how long after expiry the lab deletes an item (AWS: typically within a few days)
DELETE_DELAY_S = 0.0


def _expired(item: Any, attribute: str, now: float) -> bool:
    value = item.attrs.get(attribute)
    if value is None or value.type != "N":
        return False
    try:
        return float(value.value) + DELETE_DELAY_S <= now
    except (TypeError, ValueError):
        return False


#: moto's DynamoDB ``BackendDict``, imported on the first sweep (an import statement run at
#: every clock move costs about 1 µs even when the module is loaded; the traffic simulator
#: moves the clock at every request)
_backends: list[Any] = []


def sweep(now: float, account_id: str) -> list[tuple[str, dict[str, Any]]]:
    """Delete the expired items of every TTL-enabled table of the account (all regions).
    Returns ``(table name, key)`` for each deleted item."""
    if not _backends:
        from moto.dynamodb.models import dynamodb_backends

        _backends.append(dynamodb_backends)
    dynamodb_backends = _backends[0]
    deleted: list[tuple[str, dict[str, Any]]] = []
    # a plain dict read: indexing moto's BackendDict takes a lock and scans a list, and the
    # clock calls this at every move (the traffic simulator moves it at every request)
    account = dict.get(dynamodb_backends, account_id)
    if account is None:
        return deleted
    for backend in list(account.values()):
        for table in list(backend.tables.values()):
            ttl = getattr(table, "ttl", None) or {}
            attribute = ttl.get("AttributeName")
            if ttl.get("TimeToLiveStatus") != "ENABLED" or not attribute:
                continue
            for item in table.all_items():
                if not _expired(item, attribute, now):
                    continue
                table.delete_item(item.hash_key, item.range_key)
                key = {table.hash_key_attr: item.hash_key.to_json()}
                if table.range_key_attr and item.range_key is not None:
                    key[table.range_key_attr] = item.range_key.to_json()
                deleted.append((table.name, key))
    return deleted
