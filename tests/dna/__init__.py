"""Tests of the pure DNA kinship core (app/dna)."""
