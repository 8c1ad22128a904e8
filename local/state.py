"""The local platform's own state: the ready-made organisation and its first key's prefix."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from uuid import UUID

from mailman.composition import Container
from mailman.domain.errors import NotFound
from mailman.services import organizations
from mailman.services.auth import api_keys

ORGANIZATION_NAME = "Local development"


@dataclass(frozen=True)
class LocalState:
    organization_id: str
    key_prefix: str


@dataclass(frozen=True)
class Seeded:
    state: LocalState
    new_key: str | None
    """The whole key on the first start only; later starts know only its prefix."""


def seed(container: Container, path: Path) -> Seeded:
    """Create the ready-made organisation and an API key on first start; recall them after."""
    if path.exists():
        state = LocalState(**json.loads(path.read_text()))
        try:
            organizations.get_organization(container.uow, UUID(state.organization_id))
        except NotFound:
            pass  # The database was reset under the state file: seed afresh.
        else:
            return Seeded(state=state, new_key=None)
    org = organizations.create_organization(container.uow, ORGANIZATION_NAME)
    created = api_keys.create_api_key(container.uow, container.clock, org.id, name="local")
    state = LocalState(organization_id=str(org.id), key_prefix=created.key.prefix)
    path.write_text(json.dumps(asdict(state), indent=2) + "\n")
    return Seeded(state=state, new_key=created.secret)
