"""SAM: ``Transform: AWS::Serverless-2016-10-31`` expanded by AWS's own translator.

CloudFormation runs the SAM transform when a stack or change set is created or updated;
here :func:`expand` runs ``aws-sam-translator`` at the same moments, with a boto3 IAM client
for its managed-policy look-ups (moto answers them). Functions written with ``InlineCode``
(or ``Code.ZipFile`` on a plain ``AWS::Lambda::Function``) become ``index.py`` in the
deployment package, as on AWS, and run in the course's in-process Lambda runtime. A local
``CodeUri`` folder would need ``sam package`` / ``aws cloudformation package`` (an S3 upload
first); that step is not emulated, and the translator's own error says so.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import ValidationError

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
#: how CloudFormation reports a template the transform refused [doc: the prefix; unc: rest]
TRANSFORM_FAILED = "Transform {name} failed with: {message}"


def uses_sam(template: dict[str, Any]) -> bool:
    transform = template.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return SAM_TRANSFORM in names


def expand(
    template: dict[str, Any], region: str, account_id: str, parameters: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The template as CloudFormation sees it after the SAM transform (unchanged if it
    does not use SAM). Raises moto's ValidationError with the translator's message."""
    if not isinstance(template, dict) or not uses_sam(template):
        return template
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.public.translator import ManagedPolicyLoader
    from samtranslator.translator.transform import transform

    from .base import client

    iam = client("iam", region)
    values = {"AWS::Region": region, "AWS::AccountId": account_id, "AWS::Partition": "aws"}
    for name, spec in (template.get("Parameters") or {}).items():
        if parameters and name in parameters:
            values[name] = parameters[name]
        elif isinstance(spec, dict) and "Default" in spec:
            values[name] = spec["Default"]
    try:
        expanded = transform(template, values, ManagedPolicyLoader(iam))
    except InvalidDocumentException as exc:
        causes = " ".join(str(getattr(c, "message", c)) for c in exc.causes)
        raise ValidationError(
            message=TRANSFORM_FAILED.format(
                name=SAM_TRANSFORM, message=f"{exc.message} {causes}".strip()
            )
        ) from None
    expanded.pop("Transform", None)
    return expanded
