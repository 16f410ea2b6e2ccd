"""server/district"""
