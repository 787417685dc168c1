"""Workflow: the review pipeline and its statistics."""
