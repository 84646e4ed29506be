"""SMART Health Links: the links a patient gives (links), what they carry (payload), and how a recipient opens them (manifest)."""
