"""Caregivers: a relative invited by the patient, a minor's parents (representatives.py; what is kept from them:
confidential.py), and what happens at 18."""
