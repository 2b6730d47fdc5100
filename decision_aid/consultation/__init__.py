"""The guided consultation: eight steps, saved as they are left, finished into a revision."""
