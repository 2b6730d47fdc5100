"""Into the patient record: the note to paste, the FHIR R4 document of a revision, bulk NDJSON."""
