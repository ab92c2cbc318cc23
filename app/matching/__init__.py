"""Matching: cases against partner records (and against each other), reviewed by people."""
