"""reelmint: the monetization engine for short-video and live-streaming platforms."""

__version__ = "0.1.0"
