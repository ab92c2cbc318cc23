"""The second factor's rules: TOTP codes (RFC 6238, what authenticator apps show) and one-time
recovery codes. Plain values in and out; the services store what these decide."""

from __future__ import annotations

import hashlib
import re
import secrets
import time

import pyotp
import segno

ISSUER = "Reunite"
STEP_SECONDS = 30
# A code of the previous or next step is accepted too: phones' clocks drift and people type
# slowly. The replay rule (a step is used once) keeps that from widening anything.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# 10 characters of base32: 50 random bits, shown as two groups of five.
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_TOTP_CODE = re.compile(r"\d{6}")


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_data_uri(secret: str, account: str) -> str:
    """The QR code as an SVG data: URI, made on the server (the CSP allows data: images)."""
    return segno.make(provisioning_uri(secret, account), error="m").svg_data_uri(scale=5)


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).generate_otp(step)


def normalize_code(code: str) -> str:
    """What a person typed, without spaces, dashes and case."""
    return re.sub(r"[\s-]", "", code).upper()


def is_totp_code(code: str) -> bool:
    return _TOTP_CODE.fullmatch(normalize_code(code)) is not None


def matching_step(
    secret: str, code: str, last_step: int | None = None, now: float | None = None
) -> int | None:
    """The time step whose code ``code`` is, within the drift allowed, and later than
    ``last_step`` (a code already used is refused: replay); None when it matches none."""
    code = normalize_code(code)
    if not _TOTP_CODE.fullmatch(code):
        return None
    here = current_step(now)
    for step in range(here - DRIFT_STEPS, here + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if secrets.compare_digest(code_at(secret, step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def hash_recovery_code(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()
