"""Imports of partner lists and case lists from CSV files (browser and command line)."""
