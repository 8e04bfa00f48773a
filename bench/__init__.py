"""Benchmarks with their targets: `make bench` runs them all and prints one table (README)."""
