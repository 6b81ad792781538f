"""Chat Completions Explorer: the library behind the app (never imports streamlit)."""

__version__ = "0.1.0"
