"""Take everything with you: a dossier's complete copy as a ZIP, and that copy read back into an empty dossier."""
