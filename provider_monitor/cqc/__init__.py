"""Talking to the CQC Syndication API."""
