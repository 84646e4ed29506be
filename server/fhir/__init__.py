"""The FHIR API for professional software (IHE MHD as the French PDSm guide uses it) and who may call it."""
