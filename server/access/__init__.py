"""Who sees what: the rule (rule.py), what an account is to a dossier (standing.py), reading under the rule
(reading.py), managing a dossier and "voir comme" (managing.py), who a dossier is shared with (sharing.py), and the
rights patients give, a module a kind: grants (grants.py; what one covers, scopes.py; how long, durations.py), a
share code given in person (share_codes.py), blocks (blocks.py), the médecin traitant (medecin_traitant.py), hidden
and deleted documents (hiding.py), emergency access and its ending (emergencies.py), closing a dossier (closing.py);
what every change shares is changes.py's."""
