"""The model edge: the only package that imports openai or instructor, and only when a request is made."""
