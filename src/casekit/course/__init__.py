"""Tooling that maintainers and trainers run: build, data, kernel (CLI ``casekit``)."""
