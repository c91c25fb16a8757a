## Managed by the service standard (copier update): what it renders is the team's.
"""The ${names.titles} table."""

${imports}


class ${Model}(TimestampMixin, Base):
    __tablename__ = "${names.plural}"
% if checks_sql:
    __table_args__ = (
%   for check in checks_sql:
        ${check},
%   endfor
    )
% endif

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
% for f in fields:
    ${f.model_line}
% endfor
