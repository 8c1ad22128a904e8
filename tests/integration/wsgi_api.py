"""The API function as a WSGI application, for tools that speak WSGI (schemathesis): each
request becomes the REST proxy event API Gateway would send, as the local gateway makes it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from local.apigw import LambdaContext, ProxyResult, proxy_event

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def _headers(environ: WSGIEnvironment) -> list[tuple[str, str]]:
    found = [
        (key[5:].replace("_", "-").title(), str(value))
        for key, value in environ.items()
        if key.startswith("HTTP_")
    ]
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            found.append((name, str(environ[key])))
    return found


def wsgi_app(handler: Handler, function_name: str = "mailman-api") -> WSGIApplication:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # PEP 3333 hands the path over as the request's bytes read as Latin-1.
        path = str(environ.get("PATH_INFO") or "/").encode("latin-1").decode("utf-8", "replace")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        event = proxy_event(
            str(environ["REQUEST_METHOD"]),
            path,
            query=str(environ.get("QUERY_STRING") or ""),
            headers=_headers(environ),
            body=body,
        )
        result = ProxyResult.of(handler(event, LambdaContext(function_name=function_name)))
        start_response(f"{result.status} {HTTPStatus(result.status).phrase}", result.headers)
        return [result.body]

    return app
