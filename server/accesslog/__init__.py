"""The access log: its hash chain per dossier (audit.py, checked by verify.py), what each kind of event says (phrases.py), its
events in plain sentences (journal.py), what a page gives the reader's device to check each event (proofs.py), its pages
and whole lists (pages.py), its list of each dossier's professionals (professionals.py), and what else the Historique,
the CSV and the notifications ask of it (queries.py). The transparency log that makes it checkable from outside is
server/tlog/."""
