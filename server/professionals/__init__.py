"""The professional's side: their patients, the documents they add, the dossiers they open for a patient in person;
the registration desk's commands (cli.py)."""
