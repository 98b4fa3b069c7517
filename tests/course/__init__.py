"""Tests of the course tooling (casekit.course)."""
