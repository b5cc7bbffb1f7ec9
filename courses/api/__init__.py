"""The personal API (/api/me/v1/): a person's own progress and certificates, read with a personal access token."""
