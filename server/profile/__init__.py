"""The profil médical: allergies, treatments, conditions, vaccinations, measurements, and who declared each."""
