-- After every `manage.py migrate` (run as the owner role): the application role gets the
-- usual rights on every table, and loses UPDATE, DELETE and TRUNCATE on the audit entries.
-- Idempotent.   psql -v ON_ERROR_STOP=1 -d net247 -f postgresql-grants.sql
\if :{?app}
\else
  \set app net247_app
\endif
SELECT format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', :'app') \gexec
SELECT format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', :'app') \gexec
SELECT format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_auditentry FROM %I', :'app') \gexec
