"""The outbox (docs/webhooks.md): what leaves the process, webhooks and mail, is written as rows
in the caller's transaction and delivered later by the dispatcher in a worker, with retries.
An engine: it knows no domain; offers, onboarding and notifications call `webhooks.publish`
and `mail.enqueue`, and register their scheduled jobs with `dispatcher.register_periodic`."""
