from http import HTTPStatus

import pytest

from functions.api.errors import domain_error_envelope, status_of
from mailman.domain import errors


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.ValidationError("x"), HTTPStatus.BAD_REQUEST),
        (errors.NotFound("x"), HTTPStatus.NOT_FOUND),
        (errors.AttachmentTooLarge("x"), HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
        (errors.StorageError("x"), HTTPStatus.INTERNAL_SERVER_ERROR),
        (errors.DeliveryError("x"), HTTPStatus.INTERNAL_SERVER_ERROR),
        (errors.Conflict("x"), HTTPStatus.CONFLICT),
        (errors.Unauthorized("x"), HTTPStatus.UNAUTHORIZED),
        (errors.Forbidden("x"), HTTPStatus.FORBIDDEN),
        (errors.RateLimited("x", retry_after_seconds=1), HTTPStatus.TOO_MANY_REQUESTS),
        (errors.PayloadTooLarge("x"), HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
        (errors.SendingPaused("x", details={}), HTTPStatus.CONFLICT),
    ],
)
def test_domain_errors_map_to_the_designed_status(
    error: errors.DomainError, status: HTTPStatus
) -> None:
    assert status_of(error) == status


def test_envelope_names_type_message_field_and_trace() -> None:
    body = domain_error_envelope(errors.ValidationError("bad", field="name"), "t-1")

    assert body == {
        "error": {"type": "validation_error", "message": "bad", "field": "name", "trace_id": "t-1"}
    }


def test_server_side_failures_do_not_leak_their_details() -> None:
    body = domain_error_envelope(errors.StorageError("password authentication failed"), "t-2")

    assert "password" not in body["error"]["message"]
    assert "field" not in body["error"]


def test_an_error_with_details_carries_them_in_the_envelope() -> None:
    error = errors.SendingPaused("paused", details={"reason": "bounces", "figures": {"sent": 9}})

    body = domain_error_envelope(error, "t-3")

    assert body == {
        "error": {
            "type": "sending_paused",
            "message": "paused",
            "details": {"reason": "bounces", "figures": {"sent": 9}},
            "trace_id": "t-3",
        }
    }
