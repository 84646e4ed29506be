"""Document files: the content-addressed store, page images of PDFs, and keeping every live document's bytes."""
