"""sections/ids"""
