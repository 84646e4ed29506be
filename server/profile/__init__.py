"""The profil médical: allergies, treatments, conditions, vaccinations, measurements, and who declared each; the card
a professional's timeline opens on (card.py)."""
