# Redaction of secret values: every value resolve_secret (secrets.py) resolves is remembered here, and
# redact_secrets blanks each one out of a text (describe_error's, the driver's error lines). A module of its own
# so that retry.py, which secrets.py uses, can use it too.


# Values resolved by this process (shortest first is not needed: each is replaced whole). Values shorter than this
# are not redacted: they would blank ordinary words out of messages, and are no secrets worth the name.
_KNOWN_SECRETS = set()
_MIN_REDACT_LENGTH = 6


def redact_secrets(text):
    """`text` with every secret resolved so far replaced by ***."""
    if not isinstance(text, str):
        text = str(text)
    for secret in sorted(_KNOWN_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "***")
    return text


def remember_secret(value):
    """Remembers a resolved secret value so redact_secrets blanks it out; returns the value."""
    if len(value) >= _MIN_REDACT_LENGTH:
        _KNOWN_SECRETS.add(value)
    return value
