"""The HTTP routes, thin: each parses, calls a service, and returns a wire schema."""
