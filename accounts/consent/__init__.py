"""Consent per purpose and per channel: the channels people can be reached on, the answers, their record."""
