"""The professional's side: the professions, each written in a person's form (professions.py), their patients, the
documents they add, the dossiers they open for a patient in person; the registration desk's commands (cli.py)."""
