"""Store tests: every test runs on SQLite and on a real PostgreSQL 15 started by the suite."""
