"""The Assurance Maladie's feed: reimbursed care, loaded by INS, shown as the patient's "Historique de soins"."""
