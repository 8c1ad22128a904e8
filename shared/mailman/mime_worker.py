"""The isolated MIME parser: `python -m mailman.mime_worker '<limits as JSON>'`.

Reads one raw message on stdin and writes `mailman.mime.to_wire(parse(...))` on
stdout. Before reading anything it lowers its own address-space limit
(RLIMIT_AS) to `Limits.memory_budget_bytes` and its CPU-time limit to the time
budget, so a message that would need more fails here, in this process, and not in
the Lambda function that started it; the parent also kills it at the wall-clock
budget. Exit status `mailman.mime.EXIT_MEMORY` means it ran out of memory.
"""

from __future__ import annotations

import json
import math
import sys

from mailman.mime import EXIT_MEMORY, Limits, parse, to_wire


def _limit_resources(limits: Limits) -> None:
    try:
        import resource
    except ImportError:  # not POSIX: the parent's wall-clock kill still applies
        return
    memory = limits.memory_budget_bytes
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    seconds = max(1, math.ceil(limits.time_budget_seconds))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))


def main(argv: list[str]) -> int:
    limits = Limits(**json.loads(argv[1]))
    try:
        _limit_resources(limits)
        raw = sys.stdin.buffer.read()
        answer = to_wire(parse(raw, limits))
    except MemoryError:
        return EXIT_MEMORY
    sys.stdout.buffer.write(answer)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
