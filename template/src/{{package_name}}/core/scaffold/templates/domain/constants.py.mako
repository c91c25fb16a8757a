## Managed by the service standard (copier update): what it renders is the team's.
"""Values shared by the ${names.titles} API and its table."""
% if enums:

from enum import StrEnum
% endif
% for f in enums:


class ${f.enum_class}(StrEnum):
%   for choice in f.field.choices:
    ${member(choice)} = "${choice}"
%   endfor
% endfor
% if patterns:

%   if enums:

%   endif
%   for f in patterns:
${f.pattern_name} = r"${f.field.pattern}"
%   endfor
% endif
