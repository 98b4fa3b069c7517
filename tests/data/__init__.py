"""Tests of the data layer (casekit.data)."""
