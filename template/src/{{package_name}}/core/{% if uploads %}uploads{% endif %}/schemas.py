# Managed by the service standard (copier update): extend it from the modules beside core/.
"""What the upload endpoints answer about a stored file."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class StoredFileRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    filename: str  # the client's name, sanitised
    content_type: str  # decided from the content, not from what the client said
    size: int
    created_at: datetime
