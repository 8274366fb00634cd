-- Procedural languages that are not extension members (plpgsql is one),
-- with their support functions schema-qualified.
SELECT l.oid, l.lanname::text AS name, pg_catalog.quote_ident(l.lanname) AS quoted,
       pg_catalog.pg_get_userbyid(l.lanowner)::text AS owner,
       l.lanpltrusted AS trusted,
       (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname)
        FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE p.oid = l.lanplcallfoid) AS handler,
       (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname)
        FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE p.oid = l.laninline) AS inline_handler,
       (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname)
        FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE p.oid = l.lanvalidator) AS validator,
       pg_catalog.obj_description(l.oid, 'pg_language') AS comment
FROM pg_catalog.pg_language l
WHERE l.lanispl AND l.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x
                  WHERE x.classid = 'pg_catalog.pg_language'::pg_catalog.regclass
                    AND x.objid = l.oid AND x.deptype = 'e')
ORDER BY l.oid
