"""xAPI statements to a Learning Record Store: built from learning's announcements, sent through a
sibling of delivery's outbox, in order, at least once, voided on erasure (docs/xapi.md)."""
