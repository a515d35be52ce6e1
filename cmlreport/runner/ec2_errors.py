"""What an EC2 error means for the user: one line with the AWS error code and the fix."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from cmlreport.errors import CmlReportError, InputError, RemoteError
from cmlreport.runner.placement import SPOT_FALLBACK_CODES

# Errors the user fixes by changing a flag or their credentials are InputError (exit 2); the
# account's permissions and quotas and AWS's capacity are RemoteError (exit 3).
_CAPACITY_CODES = frozenset(
    {"InsufficientInstanceCapacity", "InsufficientCapacity", "UnfulfillableCapacity"}
)
_QUOTA_CODES = frozenset(
    {"VcpuLimitExceeded", "InstanceLimitExceeded", "MaxSpotInstanceCountExceeded"}
)
_TRANSIENT_CODES = frozenset(
    {
        "InternalError",
        "InternalFailure",
        "Unavailable",
        "ServiceUnavailable",
        "RequestLimitExceeded",
    }
)

# Service Quotas names of the instance-family quotas, keyed by the type's leading letters.
_FAMILY_QUOTAS = {
    "g": "G and VT",
    "vt": "G and VT",
    "p": "P",
    "inf": "Inf",
    "trn": "Trn",
    "dl": "DL",
    "f": "F",
    "x": "X",
}
_STANDARD = "Standard (A, C, D, H, I, M, R, T, Z)"

NO_CREDENTIALS = (
    "no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or use OIDC "
    "(GitHub: aws-actions/configure-aws-credentials; GitLab: AWS_ROLE_ARN with the template's "
    "ID token)"
)
TOKEN_FILE_VARIABLE = "AWS_WEB_IDENTITY_TOKEN_FILE"
NO_REGION = "no AWS region: pass --region or set AWS_REGION (or AWS_DEFAULT_REGION)"

_MAX_MESSAGE = 240


@dataclass(frozen=True)
class Attempt:
    """What cmlreport was doing when EC2 answered with an error."""

    operation: str  # botocore's operation name, e.g. "RunInstances"
    region: str
    instance_type: str = ""
    spot: bool = False
    secret: str = field(default="", repr=False)  # the user data: never in a message
    token_file: str = ""  # AWS_WEB_IDENTITY_TOKEN_FILE, when set


def quota_name(instance_type: str, *, spot: bool) -> str:
    """The Service Quotas entry that limits ``instance_type``, e.g. for a quota increase."""
    letters = re.match(r"[a-z]+", instance_type.lower())
    family = _FAMILY_QUOTAS.get(letters.group(0) if letters else "", _STANDARD)
    return (
        f"All {family} Spot Instance Requests" if spot else f"Running On-Demand {family} instances"
    )


def required_permissions(operation: str) -> str:
    if operation == "RunInstances":
        # Tags go on at launch, so EC2 checks CreateTags on the same call.
        return "ec2:RunInstances and ec2:CreateTags (and iam:PassRole with an instance profile)"
    return f"ec2:{operation}"


def explain(code: str, message: str, attempt: Attempt) -> CmlReportError:
    """The exception that tells the user what EC2's ``code`` means and what to do about it."""
    what = f"EC2 {attempt.operation} failed in {attempt.region} ({code})"
    kind = f"{'spot ' if attempt.spot else ''}{attempt.instance_type}".strip() or "instances"
    if code in ("UnauthorizedOperation", "AccessDenied", "AccessDeniedException"):
        # The message is a long encoded blob; the action name is what the user needs.
        return RemoteError(
            f"{what}: the AWS identity lacks permission; grant it "
            f"{required_permissions(attempt.operation)} (decode the details with "
            "`aws sts decode-authorization-message`)"
        )
    if code in ("AuthFailure", "InvalidClientTokenId", "SignatureDoesNotMatch"):
        return InputError(
            f"AWS rejected the credentials ({code}): check AWS_ACCESS_KEY_ID/"
            "AWS_SECRET_ACCESS_KEY or the role assumed through OIDC"
        )
    if code in ("ExpiredToken", "RequestExpired", "ExpiredTokenException"):
        return InputError(
            f"the AWS credentials have expired ({code}): refresh them, e.g. with "
            "aws-actions/configure-aws-credentials"
        )
    if code.startswith("InvalidAMIID."):
        return InputError(
            f"{what}: {_brief(message)}; pass an AMI id that exists in {attempt.region} with "
            "--image, or leave --image out to use the preset's newest image"
        )
    if code.startswith("InvalidSubnetID."):
        return InputError(f"{what}: {_brief(message)}; check --subnet (and --region)")
    if code.startswith(("InvalidGroup.", "InvalidSecurityGroupID.")):
        return InputError(f"{what}: {_brief(message)}; check --security-group (and --region)")
    if code == "InvalidInstanceType":
        return InputError(f"{what}: {_brief(message)}; check --instance-type")
    if code in _QUOTA_CODES:
        return RemoteError(
            f"{what}: the account's quota for {kind} is used up; request an increase of "
            f"'{quota_name(attempt.instance_type, spot=attempt.spot)}' in Service Quotas "
            f"for {attempt.region}"
        )
    if code in _CAPACITY_CODES:
        return RemoteError(
            f"{what}: AWS has no capacity for {kind} right now; retry later, or try another "
            "region, subnet (availability zone) or instance type"
        )
    if code == "SpotMaxPriceTooLow":
        return RemoteError(
            f"{what}: the spot price is above the maximum (the on-demand price); retry later"
        )
    if code == "Unsupported":
        return RemoteError(
            f"{what}: {_brief(message)}; try another subnet (availability zone) or region"
        )
    if code == "OptInRequired":
        return RemoteError(
            f"{what}: the account must opt in first (region not enabled, or an AWS Marketplace "
            "image needing a subscription)"
        )
    if code in _TRANSIENT_CODES:
        return RemoteError(f"{what} after retries: {_brief(message)}; retry later", transient=True)
    return RemoteError(f"{what}: {_brief(message)}")


def check_token_file(path: str) -> None:
    """botocore opens the OIDC token file itself, blocking and unbounded, when it first needs
    credentials (after the runner is registered): a FIFO or a device there would hang the
    launch, so only a regular file (or none, which botocore's own error covers) goes on."""
    import os
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if not stat.S_ISREG(mode):
        raise unreadable_token_file(path, "not a regular file")


def unreadable_token_file(path: str, reason: str) -> InputError:
    return InputError(
        f"{TOKEN_FILE_VARIABLE}={path!r} cannot be read ({reason}): write the CI's OIDC ID "
        f"token there, or unset {TOKEN_FILE_VARIABLE} (and AWS_ROLE_ARN) to use other credentials"
    )


def _brief(message: str) -> str:
    text = " ".join(message.split()) or "no details given"
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


@contextmanager
def translated(attempt: Attempt, *, passthrough: str = "") -> Iterator[None]:
    """Raise botocore's exceptions as one-line cmlreport errors, except a ClientError whose
    code is ``passthrough`` (the caller handles that one itself)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        if passthrough and error_code(exc) == passthrough:
            raise
        raise translate(exc, attempt) from exc
    except BotoCoreError as exc:
        raise translate(exc, attempt) from exc
    except OSError as exc:
        # botocore reads the OIDC token file only when a request needs credentials, and lets
        # the OSError through: without this it is an internal error.
        token_file = attempt.token_file
        if not token_file or exc.filename != token_file:
            raise
        raise unreadable_token_file(token_file, exc.strerror or type(exc).__name__) from exc
    except UnicodeDecodeError as exc:
        # botocore reads the token file as text: bytes that are not UTF-8 fail there too.
        if not attempt.token_file or not _not_utf8(attempt.token_file):
            raise
        raise unreadable_token_file(attempt.token_file, "not UTF-8 text") from exc


def _not_utf8(path: str) -> bool:
    """Whether the file at ``path`` (botocore just read it) holds bytes that are not UTF-8."""
    from cmlreport.files import MIB, read_bytes

    try:
        read_bytes(path, limit=MIB).decode("utf-8")
    except (InputError, UnicodeDecodeError):
        return True
    return False


def translate(exc: Exception, attempt: Attempt) -> CmlReportError:
    from botocore import exceptions as bx

    if isinstance(exc, bx.ClientError):
        message = str(exc.response.get("Error", {}).get("Message", ""))
        error = explain(error_code(exc), message, attempt)
    elif isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        error = InputError(NO_CREDENTIALS)
    elif isinstance(exc, bx.CredentialRetrievalError | bx.TokenRetrievalError):
        error = InputError(f"could not get AWS credentials: {exc}")
    elif isinstance(exc, bx.NoRegionError):
        error = InputError(NO_REGION)
    elif isinstance(exc, bx.ParamValidationError):
        error = InputError(f"EC2 {attempt.operation}: {exc}")
    elif isinstance(exc, bx.HTTPClientError | bx.ConnectionError):
        error = RemoteError(
            f"could not reach EC2 in {attempt.region} ({type(exc).__name__}): check the network "
            "and retry",
            transient=True,
        )
    else:
        error = RemoteError(f"EC2 {attempt.operation} failed: {type(exc).__name__}: {exc}")
    if not attempt.secret or attempt.secret not in error.message:
        return error
    scrubbed = error.message.replace(attempt.secret, "***")
    if isinstance(error, RemoteError):
        return RemoteError(scrubbed, transient=error.transient)
    return InputError(scrubbed)


def error_code(exc: Any) -> str:
    """The AWS error code of a botocore ClientError."""
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))


def answer_lost(exc: Exception) -> bool:
    """Whether EC2 may have carried out a request although the call failed: the connection
    dropped, or a 5xx survived the retries (capacity errors are 5xx too, but definite)."""
    from botocore import exceptions as bx

    if isinstance(exc, bx.ClientError):
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        return status >= 500 and error_code(exc) not in SPOT_FALLBACK_CODES
    return isinstance(exc, bx.HTTPClientError | bx.ConnectionError)
