"""Zalo Notification Service (ZNS): the Zalo channel, its fallback to SMS, its delivery webhook (docs/zalo.md)."""
