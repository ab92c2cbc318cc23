"""Partner sources and their records."""
