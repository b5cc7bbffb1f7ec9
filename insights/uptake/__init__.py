"""Uptake: the provincial one-stop system's monthly figures (applications online and on paper per
public service, unit and month), imported by the training office and set beside training.

Aggregate figures: no person (docs/uptake.md).
"""
