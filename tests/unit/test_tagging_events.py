"""The tag adders' event names are botocore's, though no service model is loaded for them."""

from __future__ import annotations

import botocore.session

from helpers.tagging import EVENT_SERVICE_IDS


def test_the_event_service_ids_are_botocores() -> None:
    session = botocore.session.Session()
    for service, event_id in EVENT_SERVICE_IDS.items():
        assert session.get_service_model(service).service_id.hyphenize() == event_id

