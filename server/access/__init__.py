"""Who sees what: the rule (rule.py), what an account is to a dossier (standing.py), reading under the rule
(reading.py), managing a dossier and "voir comme" (managing.py), the rights patients give (rights.py, and
share_codes.py for a code given in person), emergency access (emergencies.py), and who a dossier is shared with
(sharing.py)."""
