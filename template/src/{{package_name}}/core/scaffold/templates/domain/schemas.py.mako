## Managed by the service standard (copier update): what it renders is the team's.
"""The ${names.titles} API contract, separate from the table it is stored in."""

${imports}
% if aliases:

# Built on core.fields: text any database stores, integers that are JSON integers.
%   for f in aliases:
${f.alias_name} = ${f.alias}
%   endfor
% endif


class ${Model}Create(BaseModel):
    model_config = ConfigDict(extra="forbid")

% for f in fields:
    ${f.create_line}
% endfor


class ${Model}Update(BaseModel):
    """PATCH body: only the fields sent change; `null` clears a nullable field.

    MISSING marks a field as optional without making it nullable, in validation and
    in OpenAPI alike: ${null_rule}.
    """

    model_config = ConfigDict(extra="forbid")

% for f in fields:
    ${f.update_line}
% endfor

    def changes(self) -> dict[str, object]:
        """The fields the client sent, with their new values."""
        return self.model_dump(exclude_unset=True)


class ${Model}Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
% for f in fields:
    ${f.read_line}
% endfor
    created_at: datetime
    updated_at: datetime
