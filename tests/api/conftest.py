import pytest

#: status code → how many requests the API fuzz made that got it
FUZZ_REQUESTS = pytest.StashKey[dict]()


def pytest_terminal_summary(terminalreporter, config):
    """Say how many requests the API fuzz made, by status."""
    counts = config.stash.get(FUZZ_REQUESTS, {})
    if counts:
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(counts.items()))
        terminalreporter.write_line(f"API fuzz: {sum(counts.values())} requests ({statuses})")
