"""Password hashing (argon2id) and the password policy."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 256

_hasher = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4: above the ASVS 5.0 minimum

# Common choices that meet the length rule; breach corpora rank these highly.
COMMON_PASSWORDS = frozenset(
    {
        "password1234", "password12345", "password123456", "passwordpassword", "123456789012",
        "1234567890123", "12345678901234", "qwertyuiop12", "qwertyuiopas", "qwerty123456",
        "iloveyou1234", "welcome12345", "letmein12345", "administrator", "changeme1234",
        "abcdefghijkl", "abc123456789", "aaaaaaaaaaaa", "111111111111", "000000000000",
        "passw0rd1234", "football1234", "monkey123456", "sunshine1234", "princess1234",
        "qwertyqwerty", "asdfghjkl123", "zxcvbnm12345", "trustno11234", "superman1234",
        "nottingham123", "nottinghamshire", "providermonitor", "mansfield123", "welcome1welcome",
    }
)  # fmt: skip


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# A valid hash to verify against when the account is unknown, so timing does not reveal it.
DUMMY_HASH = _hasher.hash("not-a-real-password-used-only-for-timing")


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why this password is not acceptable, in words for the person choosing it; None if fine."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        return "Password is too easy to guess. Try 3 random words, like ‘marble kettle orchard’"
    local_part = email.split("@", 1)[0].lower()
    if local_part and len(local_part) >= 4 and local_part in lowered:
        return "Password must not contain your email address"
    return None
