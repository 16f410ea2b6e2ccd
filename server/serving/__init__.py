"""server/serving"""
