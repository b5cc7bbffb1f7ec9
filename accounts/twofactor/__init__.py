"""Two-step sign-in for staff (django-otp): an authenticator app's codes (TOTP) and single-use recovery codes.

Who must use it: ``policy.two_factor_required``; where it is enforced: ``middleware``. See docs/accounts.md.
"""
