# Managed by the service standard (copier update): extend it from the modules beside core/.
"""Secrets never reach a log line: every event passes `redact` before it is rendered.

Two nets: values under a sensitive key are replaced whatever they hold, and
strings anywhere in the event (messages, exception text, library records) have
credential-shaped substrings masked: bearer tokens, JWTs, the service's API keys,
password hashes, and `password=...`-style pairs.
"""

import re
from collections.abc import Mapping, MutableMapping
from functools import lru_cache
from typing import Any

REDACTED = "[redacted]"

# A key is sensitive when its lower-cased name contains one of these.
SENSITIVE_KEY_PARTS = (
    "authorization",
    "cookie",
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "x-api-key",
    "credential",
    "hash",
    "parameters",
)

_SECRET_PATTERNS = re.compile(
    "|".join(
        (
            r"(?i:bearer|basic)\s+[A-Za-z0-9._~+/=-]+",  # Authorization header values
            r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*",  # JWTs
            r"\bsk_[0-9a-f]{8}_[A-Za-z0-9_-]+",  # this service's API keys
            r"\$argon2[a-z]*\$[^\s'\",)]+",  # argon2 hashes
            r"\$2[aby]?\$\d\d\$[./A-Za-z0-9]{53}",  # bcrypt hashes
            # key=value and "key": "value" pairs whose key names a secret.
            r"(?i:password|passwd|secret|token|api[_-]?key)[\"']?\s*[:=]\s*[\"']?[^\s\"',&)}]+",
        )
    )
)


# Every log line asks about the same few keys: remember the answers (bounded).
@lru_cache(maxsize=4096)
def is_sensitive_key(key: str) -> bool:
    lowered = key.lower()
    return any(part in lowered for part in SENSITIVE_KEY_PARTS)


# Every pattern above needs one of these in the lower-cased text. Most strings in
# a log line (paths, ids, timestamps) hold none, and testing for them costs a
# tenth of the patterns' scan. Only for ASCII text: case-insensitive patterns
# also match a few other letters (the long s, the Kelvin sign).
_MARKERS = (
    "bearer",
    "basic",
    "eyj",
    "sk_",
    "$",
    "passw",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
)


def redact_text(text: str) -> str:
    """`text` with every credential-shaped substring replaced."""
    if _may_hold_secret(text):
        return _SECRET_PATTERNS.sub(REDACTED, text)
    return text


def _may_hold_secret(text: str) -> bool:
    if not text.isascii():
        return True
    lowered = text.lower()
    # A plain loop (not any() over a generator): this runs for every log line.
    for marker in _MARKERS:  # noqa: SIM110
        if marker in lowered:
            return True
    return False


def redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            key: REDACTED if is_sensitive_key(str(key)) else redact_value(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_value(item) for item in value]
    return value


def redact(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: runs last before rendering, after exceptions are formatted."""
    texts: list[str] = []
    for key, value in event.items():
        if key != "event" and is_sensitive_key(key):
            event[key] = REDACTED
        elif isinstance(value, str):
            texts.append(value)
        elif isinstance(value, Mapping | list | tuple):
            event[key] = redact_value(value)
    # The line's strings are tested for markers together, in one pass: a marker
    # in any of them is in the joined text, and most lines hold none.
    if texts and _may_hold_secret("\n".join(texts)):
        for key, value in event.items():
            if isinstance(value, str):
                event[key] = redact_text(value)
    return event
