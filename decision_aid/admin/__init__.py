"""Clinic admin pages: the clinic's accounts and its audit log."""
