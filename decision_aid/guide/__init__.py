"""The information pages: what runner's knee is, the comparison, each option, about the content."""
