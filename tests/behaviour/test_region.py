"""``APIGW_LAB_REGION`` picks the region (ap-northeast-1, the source documents' region) on
the moto target without a notebook changing: moto, boto3, the invoke URLs and the data plane
all follow it. One lab per process, so the lab runs in a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import json
import boto3, requests
import helpers

lab = helpers.connect()
lam = boto3.client("lambda")
apigateway = boto3.client("apigateway")
arn = lam.create_function(
    FunctionName="hello", Runtime="python3.12", Role=lab.execution_role(),
    Handler="hello.handler", Code={"ZipFile": helpers.zip_function(helpers.FUNCTIONS / "hello.py")},
)["FunctionArn"]
api = apigateway.create_rest_api(name="tokyo")["id"]
root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
apigateway.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
apigateway.put_integration(
    restApiId=api, resourceId=root, httpMethod="GET", type="AWS_PROXY",
    integrationHttpMethod="POST",
    uri=f"arn:aws:apigateway:{lab.region}:lambda:path/2015-03-31/functions/{arn}/invocations",
)
lam.add_permission(
    FunctionName="hello", StatementId="s", Action="lambda:InvokeFunction",
    Principal="apigateway.amazonaws.com",
    SourceArn=f"arn:aws:execute-api:{lab.region}:{lab.account_id}:{api}/*/*/*",
)
apigateway.create_deployment(restApiId=api, stageName="dev")
url = lab.invoke_url(api, "dev")
answer = requests.get(url)
print(json.dumps({
    "repr": repr(lab), "region": lab.region, "arn": arn, "url": url,
    "status": answer.status_code, "session": boto3.DEFAULT_SESSION.region_name,
}))
"""


def run(env: dict[str, str]) -> dict[str, object]:
    merged = {k: v for k, v in os.environ.items() if not k.startswith("APIGW_LAB_")}
    merged.update(env)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=REPO,
        env=merged,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_seeds_region_by_environment_variable() -> None:
    found = run({"APIGW_LAB_REGION": "ap-northeast-1"})
    assert found["region"] == found["session"] == "ap-northeast-1"
    assert "region ap-northeast-1" in str(found["repr"])
    assert str(found["arn"]).startswith("arn:aws:lambda:ap-northeast-1:123456789012:")
    assert ".execute-api.ap-northeast-1.amazonaws.com/dev/" in str(found["url"])
    assert found["status"] == 200


def test_without_it_moto_stays_in_us_east_1() -> None:
    found = run({})
    assert found["region"] == "us-east-1" and found["status"] == 200
