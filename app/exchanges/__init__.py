"""Exchanges between the sides: lists handed over and answered, prisoner exchanges, remains."""
