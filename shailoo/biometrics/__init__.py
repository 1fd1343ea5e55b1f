"""Biometrics: synthetic templates, matching, national de-duplication and accuracy figures."""
