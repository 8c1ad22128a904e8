"""Integration fixtures: the real API handler over a real database, driven by proxy events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from functions.api import dependencies
from functions.api import handler as api_handler
from local.apigw import LambdaContext, ProxyResult, proxy_event
from mailman.composition import Container, build_container
from mailman.config import Settings
from mailman.services import api_keys, organizations


@dataclass(frozen=True)
class Response:
    result: ProxyResult

    @property
    def status(self) -> int:
        return self.result.status

    def json(self) -> Any:
        return json.loads(self.result.body)

    def header(self, name: str) -> str | None:
        return self.result.header(name)


class Api:
    """Calls `functions/api/handler.handler` with API Gateway REST proxy events."""

    def __init__(self, key: str | None = None) -> None:
        self.key = key

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        raw_body: bytes | None = None,
        query: str = "",
        key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        chosen = key if key is not None else self.key
        if chosen:
            all_headers["Authorization"] = f"Bearer {chosen}"
        body = (
            raw_body
            if raw_body is not None
            else (json.dumps(json_body).encode() if json_body is not None else None)
        )
        event = proxy_event(method, path, query=query, headers=all_headers.items(), body=body)
        result = api_handler.handler(event, LambdaContext(function_name="mailman-api"))
        return Response(ProxyResult.of(result))

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json_body: Any = None, **kwargs: Any) -> Response:
        return self.request("POST", path, json_body=json_body, **kwargs)

    def patch(self, path: str, json_body: Any = None, **kwargs: Any) -> Response:
        return self.request("PATCH", path, json_body=json_body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.request("DELETE", path, **kwargs)


@dataclass(frozen=True)
class Tenant:
    organization_id: Any
    key: str
    api: Api


@pytest.fixture
def container(database_url: str) -> Iterator[Container]:
    built = build_container(Settings(database_url=database_url))
    yield built
    built.database.close()


@pytest.fixture
def api_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Points the API function's container at the test's database."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    dependencies.container.cache_clear()
    yield
    dependencies.container().database.close()
    dependencies.container.cache_clear()


def make_tenant(container: Container, name: str = "Acme") -> Tenant:
    org = organizations.create_organization(container.uow, name)
    created = api_keys.create_api_key(container.uow, container.clock, org.id, name="test")
    return Tenant(organization_id=org.id, key=created.secret, api=Api(created.secret))


@pytest.fixture
def tenant(container: Container, api_env: None) -> Tenant:
    return make_tenant(container)


@pytest.fixture
def other_tenant(container: Container, api_env: None) -> Tenant:
    return make_tenant(container, "Globex")
