"""Answering: grounded prompts, streamed answers with metrics, and the metrics history."""
