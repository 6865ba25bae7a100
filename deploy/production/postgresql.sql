-- PostgreSQL for one net247 node: database, an owner role and an application role.
-- Run once as the superuser:   sudo -u postgres psql -v ON_ERROR_STOP=1 -f postgresql.sql
-- Names may be changed with -v db=... -v owner=... -v app=... (defaults below).
--
-- Why two roles: the audit table is append-only in the database (a trigger rejects UPDATE,
-- DELETE and TRUNCATE). A trigger also binds the table's owner, but the owner may drop or
-- disable it. So the tables belong to net247_owner, used only by the operator to migrate, and
-- the services connect as net247_app, which may neither alter the trigger nor UPDATE/DELETE/
-- TRUNCATE audit entries (postgresql-grants.sql). The hash chain and tree heads kept outside
-- the database (backup.sh) detect what remains (a superuser, a restore).
\if :{?db}
\else
  \set db net247
\endif
\if :{?owner}
\else
  \set owner net247_owner
\endif
\if :{?app}
\else
  \set app net247_app
\endif

SELECT format('CREATE ROLE %I LOGIN', :'owner')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8'' TEMPLATE template0', :'db', :'owner')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec

\connect :db
SELECT format('REVOKE ALL ON SCHEMA public FROM PUBLIC') \gexec
SELECT format('ALTER SCHEMA public OWNER TO %I', :'owner') \gexec
SELECT format('GRANT USAGE ON SCHEMA public TO %I', :'app') \gexec
-- Tables and sequences the owner creates later (migrations) are usable by the app role.
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public '
              'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', :'owner', :'app') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public '
              'GRANT USAGE, SELECT ON SEQUENCES TO %I', :'owner', :'app') \gexec
