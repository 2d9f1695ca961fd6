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


def test_sessions_share_one_data_loader() -> None:
    import boto3
    from moto.core.base_backend import AccountSpecificBackend

    service_data.install()
    first, second = boto3.Session(), boto3.Session()
    service_data.share_loader(first)
    service_data.share_loader(second)
    loader = first._session.get_component("data_loader")
    assert second._session.get_component("data_loader") is loader
    moto_session = AccountSpecificBackend.get_session()._session
    assert moto_session.get_component("data_loader") is loader


def test_url_builders_still_build_once_compiled_on_first_use() -> None:
    from werkzeug.routing import Map, Rule

    service_data.install()
    urls = Map([Rule("/pets/<name>", endpoint="pet")]).bind("example.com")
    assert urls.match("/pets/rex") == ("pet", {"name": "rex"})
    assert urls.build("pet", {"name": "rex", "size": "s"}) == "/pets/rex?size=s"
    assert urls.build("pet", {"name": "tom"}) == "/pets/tom"


def test_the_course_managed_policies_are_those_of_the_whole_document() -> None:
    import json

    from moto.iam.aws_managed_policies import aws_managed_policies_data

    from helpers.gateway.moto_hooks import MANAGED_POLICIES, managed_policy_data

    parsed = json.loads(aws_managed_policies_data)
    names = [*MANAGED_POLICIES, "NoSuchPolicy", *list(parsed)[:20]]
    expected = {name: parsed[name] for name in names if name in parsed}
    found = managed_policy_data(aws_managed_policies_data, names)
    assert found == expected
    assert list(found) == list(expected)


def test_moto_validates_openapi_imports_with_the_real_validator() -> None:
    """openapi_spec_validator is imported on first use (helpers.lazy_imports): a document
    it refuses is still refused, with its message, and its exception is moto's."""
    import json
    import sys

    import boto3
    from botocore.exceptions import ClientError
    from moto import mock_aws

    import helpers  # noqa: F401  (puts the stand-ins in place, if nothing loaded it yet)

    broken = {"openapi": "3.0.1", "info": {"title": "x", "description": "d"}, "paths": {}}
    with mock_aws():
        client = boto3.client("apigateway", region_name="us-east-1")
        with pytest.raises(ClientError, match="'version' is a required property"):
            client.import_rest_api(body=json.dumps(broken), failOnWarnings=True)
    import moto.apigateway.models
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    assert not getattr(sys.modules["openapi_spec_validator"], "__apigw_lab_stand_in__", False)
    assert moto.apigateway.models.OpenAPIValidationError is OpenAPIValidationError
