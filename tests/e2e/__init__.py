"""Browser (end-to-end) tests and the README screenshot script."""
