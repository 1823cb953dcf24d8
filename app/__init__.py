"""MATURE-LMI: a knowledge-maturing service for careers labour-market information."""

__version__ = "0.1.0"
