"""Clinician accounts and clinics: sign-in, sessions, roles and the first admin."""
