"""In-memory fakes of the ports, for tests and benchmarks."""
