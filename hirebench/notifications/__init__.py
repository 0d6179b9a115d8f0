"""Staff notifications: in the app (the bell) and by mail through the outbox, per kind, with
mutes per user and channel. Reacts to domain events; see docs/notifications.md."""
