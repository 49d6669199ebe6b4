"""Encrypted backup files: AES-256-GCM in chunks, so a database of any size is
streamed, never held in memory, and a file that was cut short, reordered or
altered is refused.

Layout: MAGIC, 16-byte salt, then chunks of (4-byte length, ciphertext+tag).
The key is derived with scrypt from ARRIVAL_BACKUP_KEY and the salt. Each chunk's
nonce is a random 8-byte file prefix plus its 4-byte index, and its associated
data says whether it is the last chunk — dropping the tail of a file is noticed.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"ARRIVAL-BACKUP-1\n"
CHUNK = 1 << 20
MIN_KEY_LENGTH = 16


class BackupError(RuntimeError):
    """The backup cannot be written or read (wrong key, damaged file, tool failed)."""


def _derive(passphrase: str, salt: bytes) -> bytes:
    if len(passphrase) < MIN_KEY_LENGTH:
        raise BackupError(f"ARRIVAL_BACKUP_KEY must be at least {MIN_KEY_LENGTH} characters")
    return Scrypt(salt=salt, length=32, n=2 ** 15, r=8, p=1).derive(passphrase.encode())


def _chunks(source: BinaryIO) -> Iterator[tuple[bytes, bool]]:
    current = source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        yield current, not following
        if not following:
            return
        current = following


def encrypt(source: BinaryIO, target: BinaryIO, passphrase: str) -> int:
    """Encrypt the whole of `source` into `target`; returns the plaintext size."""
    salt = os.urandom(16)
    cipher = AESGCM(_derive(passphrase, salt))
    prefix = os.urandom(8)
    target.write(MAGIC + salt + prefix)
    size = 0
    for index, (data, last) in enumerate(_chunks(source)):
        nonce = prefix + struct.pack(">I", index)
        sealed = cipher.encrypt(nonce, data, b"last" if last else b"more")
        target.write(struct.pack(">I", len(sealed)) + sealed)
        size += len(data)
    return size


def decrypt(source: BinaryIO, target: BinaryIO, passphrase: str) -> int:
    """Decrypt a backup written by encrypt(); refuses a wrong key or a damaged file."""
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupError("not an Arrival backup file")
    salt, prefix = source.read(16), source.read(8)
    cipher = AESGCM(_derive(passphrase, salt))
    size, index, finished = 0, 0, False
    while header := source.read(4):
        if finished:
            raise BackupError("the backup file has data after its last part")
        if len(header) < 4:
            raise BackupError("the backup file is cut short")
        (length,) = struct.unpack(">I", header)
        sealed = source.read(length)
        nonce = prefix + struct.pack(">I", index)
        try:
            data = cipher.decrypt(nonce, sealed, b"more")
        except InvalidTag:
            try:
                data = cipher.decrypt(nonce, sealed, b"last")
            except InvalidTag:
                raise BackupError("wrong ARRIVAL_BACKUP_KEY, or the backup file was "
                                  "altered") from None
            finished = True
        target.write(data)
        size += len(data)
        index += 1
    if not finished:
        raise BackupError("the backup file is cut short")
    return size
