"""sections/scoring"""
