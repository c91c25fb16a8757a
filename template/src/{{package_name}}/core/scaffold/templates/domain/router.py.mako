## Managed by the service standard (copier update): what it renders is the team's.
"""${Titles} endpoints: parse, call the service, return what it gives back."""

${imports}

# Every ${names.titles} endpoint needs a signed-in principal; deleting needs a scope too.
# (With `auth=none` both are empty: core/access.py.)
router = APIRouter(
    prefix="${names.url}",
    tags=["${names.plural}"],
    dependencies=signed_in(),
    responses=SIGNED_IN_RESPONSES,
)


@router.get("", response_model=Page[${Model}Read])
async def list_${names.plural}(
    service: ${Model}ServiceDep, page: PageParamsDep${filter_parameters}
) -> Paginated[${Model}Read]:
    """List ${names.titles}, oldest first${filter_doc}."""
    return await service.list(page${filter_passing_list})


@router.post(
    "",
    status_code=HTTPStatus.CREATED,
    response_model=${Model}Read,
    # Creating is costlier than reading: a tighter limit on top of the API's default.
    dependencies=limited("30/minute"),
% if checks:
    responses={201: {"headers": LOCATION_HEADER}, **problem_responses(409)},
% else:
    responses={201: {"headers": LOCATION_HEADER}},
% endif
)
async def create_${names.singular}(
    data: ${Model}Create, service: ${Model}ServiceDep, request: Request, response: Response
) -> ${Model}:
    """Create ${a_title}${create_route_rule}."""
    ${names.singular} = await service.create(data)
    response.headers["Location"] = location_of(request, "get_${names.singular}", ${id_name}=${names.singular}.id)
    return ${names.singular}


@router.get("/{${id_name}}", responses=problem_responses(404))
async def get_${names.singular}(${id_name}: uuid.UUID, service: ${Model}ServiceDep) -> ${Model}Read:
    """Fetch one ${names.title} (from the cache, when the service has one)."""
    return await service.read(${id_name})


@router.patch(
    "/{${id_name}}", response_model=${Model}Read, responses=problem_responses(${patch_statuses})
)
async def update_${names.singular}(
    ${id_name}: uuid.UUID, data: ${Model}Update, service: ${Model}ServiceDep
) -> ${Model}:
    """Change the fields sent${patch_doc}."""
    return await service.update(${id_name}, data)


# response_class=Response: a 204 has no body, so it names no content type either.
@router.delete(
    "/{${id_name}}",
    status_code=HTTPStatus.NO_CONTENT,
    response_class=Response,
    dependencies=scoped("${names.plural}:delete"),
    responses={**SCOPED_RESPONSES, **problem_responses(404, 409)},
)
async def delete_${names.singular}(${id_name}: uuid.UUID, service: ${Model}ServiceDep) -> None:
    """Delete ${a_title}; one that another resource still refers to stays (409)."""
    await service.delete(${id_name})
