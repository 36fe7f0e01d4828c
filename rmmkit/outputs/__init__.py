"""Outputs: how a run's results are rendered (table, json, jsonl, csv, …)."""
