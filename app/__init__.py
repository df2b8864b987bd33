"""Backprop Lab: a visual, step-by-step simulator of backpropagation for classrooms."""

__version__ = "0.1.0"
