"""The simulator: a synthetic platform driven through the real engines."""
