"""Carnet: a patient's shared medical record."""
