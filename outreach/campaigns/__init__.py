"""Campaigns: pages, moderation, audiences, messages, links, tracking, posters, results."""
