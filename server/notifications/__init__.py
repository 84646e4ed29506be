"""Telling the patient who opened their dossier: what warrants it (notify.py), the devices it goes to
(devices.py), the in-app banner (banners.py), and the Web Push that carries it (webpush.py, outbound.py)."""
