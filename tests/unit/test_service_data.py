"""``service_data``: botocore's region lists, remembered and read without parsing whole
service models, are exactly the lists botocore gives."""

from __future__ import annotations

import botocore.session
import pytest

from helpers import service_data


@pytest.mark.parametrize("service", ["ec2", "apigateway", "apigatewayv2", "lambda", "iam", "s3"])
@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_the_answers_are_botocores(service: str, partition: str) -> None:
    service_data.install()
    session = botocore.session.Session()
    original = service_data._original[0]
    for non_regional in (False, True):
        assert session.get_available_regions(
            service, partition, non_regional
        ) == original(session, service, partition, non_regional)


def test_the_prefix_comes_from_the_models_head() -> None:
    loader = botocore.session.Session().get_component("data_loader")
    assert service_data.endpoint_prefix(loader, "apigatewayv2") == "apigateway"
    assert service_data.endpoint_prefix(loader, "cognito-idp") == "cognito-idp"
    assert service_data.endpoint_prefix(loader, "no-such-service") is None


def test_an_unknown_service_has_no_regions() -> None:
    service_data.install()
    assert botocore.session.Session().get_available_regions("no-such-service") == []


def test_moto_reads_its_models_through_one_loader_with_its_extras() -> None:
    import moto.core.utils

    service_data.install()
    first = moto.core.utils.create_loader()
    assert moto.core.utils.create_loader() is first
    assert type(first).__module__ == "moto.core.loaders"
