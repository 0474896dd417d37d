"""Helpers that are not the engine: atomic file writing (:mod:`.files`), display in Jupyter
(:mod:`.display`) and the joblib sweep runner (:mod:`.sweep`).
"""
