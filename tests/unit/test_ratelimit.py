from mailman.domain.ratelimit import BucketState


def test_headers_of_a_fresh_bucket_after_one_request() -> None:
    bucket = BucketState.for_limit(60, allowed=True, tokens=59.0)

    assert bucket.limit == 60
    assert bucket.remaining == 59
    assert bucket.reset_seconds == 1


def test_refused_request_waits_for_the_next_token() -> None:
    bucket = BucketState.for_limit(60, allowed=False, tokens=0.25)

    assert bucket.remaining == 0
    assert bucket.retry_after_seconds == 1


def test_retry_after_scales_with_a_slow_bucket() -> None:
    bucket = BucketState.for_limit(6, allowed=False, tokens=0.0)

    assert bucket.retry_after_seconds == 10
    assert bucket.reset_seconds == 60
