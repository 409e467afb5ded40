"""Where queries run: a bounded pool of isolated processes with a deadline (no Flask)."""
