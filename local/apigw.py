"""API Gateway REST (v1) proxy events and results, as AWS shapes them."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl


def proxy_event(
    method: str,
    path: str,
    *,
    query: str = "",
    headers: Iterable[tuple[str, str]] = (),
    body: bytes | None = None,
    source_ip: str = "127.0.0.1",
    stage: str = "local",
) -> dict[str, Any]:
    """The event API Gateway hands a Lambda proxy integration for one HTTP request."""
    single_headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers:
        single_headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    pairs = parse_qsl(query, keep_blank_values=True)
    single_query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in pairs:
        single_query[name] = value
        multi_query.setdefault(name, []).append(value)
    text_body: str | None = None
    is_base64 = False
    if body:
        try:
            text_body = body.decode("utf-8")
        except UnicodeDecodeError:
            text_body = base64.b64encode(body).decode("ascii")
            is_base64 = True
    request_id = str(uuid.uuid4())
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method.upper(),
        "headers": single_headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": single_query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourceId": "local",
            "resourcePath": "/{proxy+}",
            "httpMethod": method.upper(),
            "extendedRequestId": request_id,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "path": f"/{stage}{path}",
            "accountId": "000000000000",
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": "localhost",
            "requestTimeEpoch": int(time.time() * 1000),
            "requestId": request_id,
            "identity": {"sourceIp": source_ip, "userAgent": single_headers.get("User-Agent")},
            "domainName": "localhost",
            "apiId": "local",
        },
        "body": text_body,
        "isBase64Encoded": is_base64,
    }


@dataclass(frozen=True)
class ProxyResult:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    @classmethod
    def of(cls, result: dict[str, Any]) -> ProxyResult:
        headers: list[tuple[str, str]] = []
        seen: set[str] = set()
        for name, values in (result.get("multiValueHeaders") or {}).items():
            seen.add(name.lower())
            headers.extend((name, str(v)) for v in values)
        for name, value in (result.get("headers") or {}).items():
            if name.lower() not in seen:
                headers.append((name, str(value)))
        raw = result.get("body") or ""
        body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode("utf-8")
        return cls(status=int(result["statusCode"]), headers=headers, body=body)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


@dataclass
class LambdaContext:
    """The parts of the Lambda context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int = 512
    timeout_seconds: int = 30
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"

    @property
    def function_version(self) -> str:
        return "$LATEST"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "local"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self.started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))
