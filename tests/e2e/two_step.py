"""RFC 6238 codes (HMAC-SHA1, 6 digits, 30 s), computed the way an authenticator app does, for tests and benchmarks
that sign staff in. Only the standard library."""
import base64
import hashlib
import hmac
import struct
import time

PERIOD = 30


def current_step(now=None):
    return int((time.time() if now is None else now) // PERIOD)


def code(secret_base32, step):
    key = base64.b32decode(secret_base32.replace(" ", "").upper() + "=" * (-len(secret_base32.replace(" ", "")) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


class Authenticator:
    """The secrets of the accounts set up so far, and the newest step each used: the server takes a code once, so a
    second sign-in within the same 30 s uses the next step (accepted too), or waits for one."""

    def __init__(self):
        self.secrets = {}
        self.last_step = {}

    def remember(self, email, secret_base32, step):
        self.secrets[email] = secret_base32.replace(" ", "")
        self.last_step[email] = step

    def next_code(self, email, now=None):
        """The code for the first step not used yet around `now` (the server's time), waiting for one if needed."""
        while True:
            current = current_step(now)
            step = max(current - 1, self.last_step.get(email, -1) + 1)
            if step <= current + 1:
                self.last_step[email] = step
                return code(self.secrets[email], step)
            wait = PERIOD - time.time() % PERIOD + 0.2
            time.sleep(wait)
            if now is not None:
                now += wait


def selftest():
    # RFC 6238 appendix B, SHA-1, the last six digits.
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert code(secret, current_step(59)) == "287082"
    assert code(secret, current_step(1111111109)) == "081804"


selftest()
