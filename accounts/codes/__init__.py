"""One-time codes sent by SMS or e-mail: sign-up confirmation, password reset, activation, phone change."""
