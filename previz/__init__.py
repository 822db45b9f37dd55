"""Previz: offline film previsualization — scenes, shots, animatics, local video diffusion, reels."""

__version__ = "0.1.0"
