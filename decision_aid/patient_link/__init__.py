"""The patient's own part of a discussion: a link for their phone before the visit, and the
patient view on the clinic's tablet. Both show only the patient-facing steps (``parts.py``)."""
