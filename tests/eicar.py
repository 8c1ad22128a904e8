"""The EICAR anti-virus test file, built at run time from pieces so that no file of the project
holds it whole (scanners on a developer's machine would flag the checkout itself).

Every virus scanner detects it by design (eicar.org); the project's own ClamAV signature
(`local/clamav/mailman-test.ndb`) names it `Mailman.Test.EICAR`.
"""

from __future__ import annotations

import io
import zipfile

SIGNATURE = "Mailman.Test.EICAR"
"""The project's signature's name; clamd reports it with `.UNOFFICIAL` appended."""

_PIECES = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$", "EICAR-STANDARD-", "ANTIVIRUS-TEST-", "FILE!$H+H*")


def eicar() -> bytes:
    return "".join(_PIECES).encode("ascii")


def zipped(members: dict[str, bytes]) -> bytes:
    """A zip archive of `members` (name -> content), deflated as mail attachments usually are."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()
