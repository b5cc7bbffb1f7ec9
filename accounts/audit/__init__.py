"""The auth event log: who signed in, failed, was locked out, reset a password, changed roles, exported or erased.

Readable by superusers only (``accounts/audit/viewsets.py``). See docs/accounts.md.
"""
