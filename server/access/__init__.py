"""Who sees what: the rule (rule.py), reading under it (reading.py), the rights patients give (rights.py), and
sharing them with professionals (sharing.py)."""
