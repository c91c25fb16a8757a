## Managed by the service standard (copier update): what it renders is the team's.
"""Test data for ${names.titles}: valid by default, any field overridable."""

${imports}

_sequence = itertools.count(1)


${payload_def}(${payload_params}**overrides: object) -> dict[str, object]:
    """A JSON body that `POST /api/v1${names.url}` accepts."""
% if any(f.sample("m") != f.sample() for f in plain):
    n = next(_sequence)
% endif
% for f in refs:
    if "${f.name}" not in overrides:
        overrides["${f.name}"] = str((await create_${f.field.target.singular}(session)).id)
% endfor
    payload: dict[str, object] = {
% for f in plain:
        "${f.name}": ${f.sample()},
% endfor
    }
    return payload | overrides


async def create_${names.singular}(session: AsyncSession, **overrides: object) -> ${Model}:
    """${A_title} stored in the test's transaction."""
    # Through JSON, as the API reads it: the schema's strict fields take JSON values.
    body = ${payload_call_with("**overrides")}
    data = ${Model}Create.model_validate_json(json.dumps(body))
    ${names.singular} = ${Model}(**data.model_dump())
    session.add(${names.singular})
    await session.flush()
    return ${names.singular}
