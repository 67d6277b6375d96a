"""Question banks: one module per exercise notebook, each defining ``QUESTIONS``."""
