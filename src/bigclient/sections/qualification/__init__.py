"""sections/qualification"""
