"""Throughput of the emulator and notebook run times: `make bench`.

Prints requests per second through the whole REST pipeline (Lambda proxy to a trivial
function) called three ways — directly, through `requests` in-process, and through the
localhost server with keep-alive — then how long each notebook takes to run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import boto3
import requests

import helpers
from helpers.gateway import HttpRequest

ROOT = Path(__file__).resolve().parent.parent
HANDLER = """
def handler(event, context):
    return {"statusCode": 200, "body": "ok"}
"""


def build_api(lab: helpers.Lab) -> str:
    lam = boto3.client("lambda")
    apigw = boto3.client("apigateway")
    arn = lam.create_function(
        FunctionName="bench",
        Runtime="python3.12",
        Role=lab.execution_role(),
        Handler="app.handler",
        Code={"ZipFile": helpers.zip_function(HANDLER)},
    )["FunctionArn"]
    api_id = apigw.create_rest_api(name="bench", endpointConfiguration={"types": ["REGIONAL"]})[
        "id"
    ]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    res = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="{item}")["id"]
    apigw.put_method(restApiId=api_id, resourceId=res, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api_id,
        resourceId=res,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations",
    )
    lam.add_permission(
        FunctionName="bench",
        StatementId="apigw",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/*/*/*",
    )
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    return api_id


def rate(n: int, call) -> float:
    call()  # warm up
    start = time.perf_counter()
    for _ in range(n):
        call()
    return n / (time.perf_counter() - start)


_CLIENT = """
import requests, sys, time
session, url, n = requests.Session(), sys.argv[1], int(sys.argv[2])
for _ in range(100):
    session.get(url)
start = time.perf_counter()
for _ in range(n):
    assert session.get(url).status_code == 200
print(n / (time.perf_counter() - start))
"""


def external_client_rate(url: str, n: int) -> float:
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", _CLIENT, url, str(n)], capture_output=True, text=True, check=True
    )
    return float(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--skip-notebooks", action="store_true")
    args = parser.parse_args()

    lab = helpers.connect(scope="benchmark")
    lab.runtime.write_logs = False  # moto would keep every log line of the run in memory
    api_id = build_api(lab)
    host = f"{api_id}.execute-api.us-east-1.amazonaws.com"
    direct = HttpRequest("GET", host, "/prod/item-1", headers=[("User-Agent", "bench")])
    session = requests.Session()
    in_process = lab.invoke_url(api_id, "prod", "item-1")
    local = requests.Session()
    local_url = lab.local_url(api_id, "prod", "item-1")
    assert lab.gateway.handle(direct).status == 200
    assert session.get(in_process).status_code == 200
    assert local.get(local_url).status_code == 200

    n = args.requests
    print("apigw-lab benchmark (REST API, Lambda proxy, trivial handler)")
    print(
        f"  direct (DataPlane.handle)      {rate(n, lambda: lab.gateway.handle(direct)):>9,.0f} req/s"
    )
    print(
        f"  requests, in-process           {rate(n // 5, lambda: session.get(in_process)):>9,.0f} req/s"
    )
    print(
        f"  localhost server, keep-alive   {rate(n // 5, lambda: local.get(local_url)):>9,.0f} req/s"
        "  (client in this process, sharing its GIL)"
    )
    print(
        f"  localhost server, keep-alive   {external_client_rate(local_url, n // 5):>9,.0f} req/s"
        "  (client in another process, as curl would be)"
    )
    lab.cleanup()

    if not args.skip_notebooks:
        import subprocess

        print("notebook run times (each in a fresh kernel)")
        for path in sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("labs/solutions/*.ipynb")]):
            start = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "jupyter",
                    "nbconvert",
                    "--to",
                    "notebook",
                    "--execute",
                    "--stdout",
                    str(path),
                ],
                check=True,
                capture_output=True,
                cwd=path.parent,
            )
            print(f"  {path.relative_to(ROOT)!s:<45} {time.perf_counter() - start:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
