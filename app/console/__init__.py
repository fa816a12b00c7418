"""What the people running StoryForge do from the admin console: look after accounts, content, topics and
feedback. Every change names a reason and goes into the audit log with the change itself."""


class ConsoleError(ValueError):
    """A console action was refused; the message says why and what to do instead."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def require_reason(reason: str | None) -> str:
    """The reason an action is taken, which the audit log keeps; refused when empty."""
    reason = (reason or "").strip()
    if not reason:
        raise ConsoleError("Say why (the reason goes into the audit log).", "reason")
    if len(reason) > 1000:
        raise ConsoleError("Keep the reason to 1000 characters or fewer.", "reason")
    return reason
