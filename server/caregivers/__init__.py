"""Caregivers: a relative invited by the patient, a minor's parents, and what happens at 18."""
