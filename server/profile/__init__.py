"""The profil médical: allergies, treatments, conditions, vaccinations, measurements, and who declared each; the card
a professional's timeline, and "voir comme" them, open on (card.py)."""
