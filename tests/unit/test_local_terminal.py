"""`local.terminal`: what `make dev`'s console shows of addresses and outcomes, and the
standard output that sends metrics (EMF) to their file and everything else to the console."""

from __future__ import annotations

import io
import json
import threading
from datetime import UTC, datetime

from local.ses_outbound import Handed, ses_events
from local.terminal import FunctionOutput, outcomes_line, recipients, request_line, shown

EMF = json.dumps(
    {
        "_aws": {"Timestamp": 1, "CloudWatchMetrics": [{"Namespace": "N", "Metrics": []}]},
        "Http2xx": [1.0],
    }
)
LOCAL = {"mailman.test"}


def test_an_emf_line_goes_to_the_metrics_and_every_other_line_to_the_console() -> None:
    console, metrics = io.StringIO(), io.StringIO()
    output = FunctionOutput(console, metrics)

    print("Ready.", file=output)
    print(EMF, file=output)
    print('{"level":"WARNING","message":"_aws is only a word here"}', file=output)
    print("{not json", file=output, flush=True)

    assert metrics.getvalue() == EMF + "\n"
    assert console.getvalue().splitlines() == [
        "Ready.",
        '{"level":"WARNING","message":"_aws is only a word here"}',
        "{not json",
    ]


def test_lines_printed_by_threads_at_once_stay_whole() -> None:
    console, metrics = io.StringIO(), io.StringIO()
    output = FunctionOutput(console, metrics)
    start = threading.Barrier(8)

    def write(n: int) -> None:
        start.wait()
        for i in range(200):
            # As print() writes: the text, then the end of the line, in two writes.
            output.write(f"thread {n} line {i}")
            output.write("\n")
            output.write(EMF)
            output.write("\n")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(console.getvalue().splitlines()) == sorted(
        f"thread {n} line {i}" for n in range(8) for i in range(200)
    )
    assert metrics.getvalue().splitlines() == [EMF] * 1600


def test_a_partial_line_is_written_when_flushed() -> None:
    console = io.StringIO()
    output = FunctionOutput(console, io.StringIO())

    output.write("Starting...")
    output.flush()

    assert console.getvalue() == "Starting..."


def test_only_local_inboxes_and_the_simulator_are_shown_whole() -> None:
    assert shown("hello@mailman.test", LOCAL) == "hello@mailman.test"
    assert shown("bounce@simulator.amazonses.com", LOCAL) == "bounce@simulator.amazonses.com"
    assert shown("Carol@Elsewhere.Example", LOCAL) == "*@elsewhere.example"


def test_recipients_past_three_are_counted() -> None:
    addresses = [f"r{i}@example.org" for i in range(5)]

    assert recipients(addresses, LOCAL) == "*@example.org,*@example.org,*@example.org +2 more"
    assert recipients([], LOCAL) == "-"


def test_a_request_line_names_what_was_not_answered() -> None:
    assert request_line("GET", "/inboxes", 200, 12.4, "t-1") == "GET /inboxes 200 12 ms trace=t-1"
    assert (
        request_line("POST", "/inboxes", None, 0.6, None, gone=True)
        == "POST /inboxes - 1 ms trace=- (client gone)"
    )


def test_outcomes_count_what_ses_reported_of_each_recipient() -> None:
    handed = Handed(
        ses_message_id="ses-1",
        sender="hello@mailman.test",
        destinations=(
            "success@simulator.amazonses.com",
            "bounce@simulator.amazonses.com",
            "complaint@simulator.amazonses.com",
            "ooto@simulator.amazonses.com",
        ),
        tags={},
        raw=b"",
    )

    events = ses_events(handed, datetime.now(UTC), "us-east-1")

    assert outcomes_line(events) == "delivered=3 bounced=1 complained=1 auto_replied=1"
    assert outcomes_line([e for e in events if e["eventType"] == "Send"]) == "sent"
