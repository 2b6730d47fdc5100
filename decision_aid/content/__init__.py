"""The clinical content: data files per version, their schema, and the loader."""
from .loader import Content, ContentError, load_all, load_version
from .schema import OPTION_IDS

__all__ = ["Content", "ContentError", "OPTION_IDS", "load_all", "load_version"]
