"""H5P activities in lessons: the ``.h5p`` package read (``manifest``), played by h5p-standalone in a
sandboxed frame (``views``), its xAPI results read (``results``) and stored on the attempt (``services``).
See docs/h5p.md.
"""
