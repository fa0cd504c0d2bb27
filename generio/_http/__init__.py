"""HTTP: what to send, how, and the settings, secret and retry policy they share."""
