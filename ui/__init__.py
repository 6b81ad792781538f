"""Streamlit helpers shared by the pages: the connection sidebar, parameter controls,
the messages editor and the response view.

Unlike `explorer/`, this package may import streamlit. It holds no API logic of
its own: decisions live in `explorer/` (and in the pure `ui.form`), these
modules only turn them into widgets and read the widgets back.
"""
