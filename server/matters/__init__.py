"""server/matters"""
