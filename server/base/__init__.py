"""Plumbing with nothing of the server below it: settings, API errors, password and token hashing."""
