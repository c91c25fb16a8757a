"""${Titles}: written by `new domain`, now the team's to change."""
