"""The service's domains (owned by the team): one package per resource."""
