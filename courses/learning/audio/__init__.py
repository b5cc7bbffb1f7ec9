"""Listening instead of reading: narration of tutorial steps and lessons (issue 15, part 4).

Editors may attach recorded narration (a Wagtail document of an audio type); otherwise the text is
spoken by espeak-ng's Vietnamese voice and stored as a small MP3 (``AudioClip``). See docs/audio.md.
"""
