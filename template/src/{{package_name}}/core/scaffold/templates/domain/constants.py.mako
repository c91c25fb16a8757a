## Managed by the service standard (copier update): what it renders is the team's.
"""Values shared by the ${names.titles} API and its table."""

from enum import StrEnum
% for f in enums:


class ${f.enum_class}(StrEnum):
%   for choice in f.field.choices:
    ${member(choice)} = "${choice}"
%   endfor
% endfor
