"""Benchmarks with their targets (issue 8): `make bench` runs them all and prints one table."""
