"""Recovery codes: single-use codes that stand in for a lost further factor."""
