"""The account console's sections (issue 12)."""
