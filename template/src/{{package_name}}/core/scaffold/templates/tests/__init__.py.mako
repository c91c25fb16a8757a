## Managed by the service standard (copier update): what it renders is the team's.
