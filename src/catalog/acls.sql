-- Privileges that are not the default: every object pgark can dump whose
-- ACL is set, with its base ACL (initial privileges if recorded, else the
-- built-in default for its owner) and how GRANT names it. acl_only marks
-- objects pg_dump dumps nothing but their changed privileges of: those in
-- pg_catalog, extension members, the public and pg_catalog schemas.
WITH init AS (
    SELECT classoid, objoid, objsubid, initprivs FROM pg_catalog.pg_init_privs
), member AS (
    SELECT classid, objid FROM pg_catalog.pg_depend WHERE deptype = 'e'
)
SELECT 'pg_class' AS catalog, c.oid, 0 AS subid,
       CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS keyword,
       pg_catalog.quote_ident(c.relname) AS name, NULL::text AS column_name,
       n.nspname::text AS schema, pg_catalog.pg_get_userbyid(c.relowner)::text AS owner,
       c.relacl::text[] AS acl,
       coalesce(i.initprivs, pg_catalog.acldefault(
           CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner))::text[] AS base,
       (n.nspname = 'pg_catalog' OR EXISTS (SELECT 1 FROM member m
            WHERE m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND m.objid = c.oid)) AS acl_only
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN init i ON i.objoid = c.oid AND i.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
                AND i.objsubid = 0
WHERE c.relacl IS NOT NULL AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
UNION ALL
-- Columns (system columns too, as pg_dump's dumpTable reads them), also
-- those whose initial privileges were revoked to nothing.
SELECT 'pg_class', c.oid, a.attnum, 'TABLE', pg_catalog.quote_ident(c.relname),
       pg_catalog.quote_ident(a.attname), n.nspname::text,
       pg_catalog.pg_get_userbyid(c.relowner)::text,
       coalesce(a.attacl, '{}')::text[], coalesce(i.initprivs, '{}')::text[],
       (n.nspname = 'pg_catalog' OR EXISTS (SELECT 1 FROM member m
            WHERE m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND m.objid = c.oid))
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN init i ON i.objoid = c.oid AND i.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
                AND i.objsubid = a.attnum
WHERE (a.attacl IS NOT NULL OR i.initprivs IS NOT NULL) AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
UNION ALL
SELECT 'pg_proc', p.oid, 0, CASE WHEN p.prokind = 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END,
       pg_catalog.quote_ident(p.proname) || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
       NULL, n.nspname::text, pg_catalog.pg_get_userbyid(p.proowner)::text,
       p.proacl::text[],
       coalesce(i.initprivs, pg_catalog.acldefault('f', p.proowner))::text[],
       (n.nspname = 'pg_catalog' OR EXISTS (SELECT 1 FROM member m
            WHERE m.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND m.objid = p.oid))
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
LEFT JOIN init i ON i.objoid = p.oid AND i.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass
WHERE p.proacl IS NOT NULL
UNION ALL
-- The public schema's even when its ACL is the built-in default: pg_dump
-- compares it with a base of its own (see privileges.rs).
SELECT 'pg_namespace', n.oid, 0, 'SCHEMA', pg_catalog.quote_ident(n.nspname), NULL, NULL,
       pg_catalog.pg_get_userbyid(n.nspowner)::text,
       coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner))::text[],
       coalesce(i.initprivs, pg_catalog.acldefault('n', n.nspowner))::text[],
       (n.nspname IN ('pg_catalog', 'public') OR EXISTS (SELECT 1 FROM member m
            WHERE m.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND m.objid = n.oid))
FROM pg_catalog.pg_namespace n
LEFT JOIN init i ON i.objoid = n.oid AND i.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
WHERE n.nspacl IS NOT NULL OR n.nspname = 'public'
UNION ALL
SELECT 'pg_type', t.oid, 0, 'TYPE', pg_catalog.quote_ident(t.typname), NULL, n.nspname::text,
       pg_catalog.pg_get_userbyid(t.typowner)::text, t.typacl::text[],
       coalesce(i.initprivs, pg_catalog.acldefault('T', t.typowner))::text[],
       (n.nspname = 'pg_catalog' OR EXISTS (SELECT 1 FROM member m
            WHERE m.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND m.objid = t.oid))
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN init i ON i.objoid = t.oid AND i.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass
WHERE t.typacl IS NOT NULL
UNION ALL
SELECT 'pg_language', l.oid, 0, 'LANGUAGE', pg_catalog.quote_ident(l.lanname), NULL, NULL,
       pg_catalog.pg_get_userbyid(l.lanowner)::text, l.lanacl::text[],
       coalesce(i.initprivs, pg_catalog.acldefault('l', l.lanowner))::text[],
       EXISTS (SELECT 1 FROM member m
               WHERE m.classid = 'pg_catalog.pg_language'::pg_catalog.regclass AND m.objid = l.oid)
FROM pg_catalog.pg_language l
LEFT JOIN init i ON i.objoid = l.oid AND i.classoid = 'pg_catalog.pg_language'::pg_catalog.regclass
WHERE l.lanacl IS NOT NULL
UNION ALL
SELECT 'pg_foreign_data_wrapper', w.oid, 0, 'FOREIGN DATA WRAPPER', pg_catalog.quote_ident(w.fdwname),
       NULL, NULL, pg_catalog.pg_get_userbyid(w.fdwowner)::text, w.fdwacl::text[],
       coalesce(i.initprivs, pg_catalog.acldefault('F', w.fdwowner))::text[],
       EXISTS (SELECT 1 FROM member m
               WHERE m.classid = 'pg_catalog.pg_foreign_data_wrapper'::pg_catalog.regclass AND m.objid = w.oid)
FROM pg_catalog.pg_foreign_data_wrapper w
LEFT JOIN init i ON i.objoid = w.oid
                AND i.classoid = 'pg_catalog.pg_foreign_data_wrapper'::pg_catalog.regclass
WHERE w.fdwacl IS NOT NULL
UNION ALL
SELECT 'pg_foreign_server', s.oid, 0, 'FOREIGN SERVER', pg_catalog.quote_ident(s.srvname),
       NULL, NULL, pg_catalog.pg_get_userbyid(s.srvowner)::text, s.srvacl::text[],
       coalesce(i.initprivs, pg_catalog.acldefault('S', s.srvowner))::text[],
       EXISTS (SELECT 1 FROM member m
               WHERE m.classid = 'pg_catalog.pg_foreign_server'::pg_catalog.regclass AND m.objid = s.oid)
FROM pg_catalog.pg_foreign_server s
LEFT JOIN init i ON i.objoid = s.oid AND i.classoid = 'pg_catalog.pg_foreign_server'::pg_catalog.regclass
WHERE s.srvacl IS NOT NULL
UNION ALL
SELECT 'pg_largeobject', l.oid, 0, 'LARGE OBJECT', l.oid::text, NULL, NULL,
       pg_catalog.pg_get_userbyid(l.lomowner)::text, l.lomacl::text[],
       pg_catalog.acldefault('L', l.lomowner)::text[], false
FROM pg_catalog.pg_largeobject_metadata l
WHERE l.lomacl IS NOT NULL
ORDER BY 1, 2, 3
