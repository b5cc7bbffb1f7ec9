"""A person's own profile: their name, language and e-mail address (a new address is confirmed first)."""
