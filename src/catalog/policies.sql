-- Row level security policies.
SELECT p.oid, p.polrelid, p.polname::text, pg_catalog.quote_ident(p.polname), p.polcmd::text,
       p.polpermissive,
       CASE WHEN p.polroles = '{0}' THEN NULL ELSE
            pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_ident(r.rolname)
                FROM pg_catalog.pg_roles r WHERE r.oid = ANY (p.polroles) ORDER BY r.rolname), ', ') END,
       pg_catalog.pg_get_expr(p.polqual, p.polrelid),
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid),
       pg_catalog.obj_description(p.oid, 'pg_policy')
FROM pg_catalog.pg_policy p
ORDER BY p.oid
