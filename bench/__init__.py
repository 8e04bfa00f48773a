"""Benchmarks with their targets: `make bench` runs them all and prints one table (docs/benchmarks.md)."""
