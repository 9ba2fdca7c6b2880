"""Evaluation: result comparison, metrics, the benchmark builder and the runner."""
