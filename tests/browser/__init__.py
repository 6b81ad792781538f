"""Browser tests: the real app, served by Streamlit, driven in headless Chromium."""
