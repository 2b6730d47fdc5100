"""Printable PDF handouts of the options, rendered once per content version and cached."""
