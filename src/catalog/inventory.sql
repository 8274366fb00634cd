-- Every user object of the catalogs whose rows come in kinds, with its
-- kind, so that the backup can refuse objects of a kind pgark does not
-- dump instead of skipping them silently (schema/unknown.rs classifies).
-- Objects in system schemas and extension members are left out, as the
-- dump leaves them out.
WITH member AS (
    SELECT classid, objid FROM pg_catalog.pg_depend WHERE deptype = 'e'
), user_ns AS (
    SELECT oid, nspname FROM pg_catalog.pg_namespace
    WHERE nspname NOT IN ('pg_catalog', 'information_schema')
      AND nspname !~ '^pg_(toast|temp_|toast_temp_)'
)
SELECT 'pg_class' AS catalog, c.oid, n.nspname::text AS schema, c.relname::text AS name,
       c.relkind::text AS kind
FROM pg_catalog.pg_class c JOIN user_ns n ON n.oid = c.relnamespace
WHERE NOT EXISTS (SELECT 1 FROM member m WHERE m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                             AND m.objid = c.oid)
UNION ALL
-- A table access method that has no name.
SELECT 'pg_class.relam', c.oid, n.nspname::text, c.relname::text, c.relam::text
FROM pg_catalog.pg_class c JOIN user_ns n ON n.oid = c.relnamespace
WHERE c.relam <> 0 AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_am a WHERE a.oid = c.relam)
UNION ALL
SELECT 'pg_attribute', c.oid, n.nspname::text, c.relname::text || '.' || a.attname::text,
       'generated ' || a.attgenerated::text || ', identity ' || a.attidentity::text
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN user_ns n ON n.oid = c.relnamespace
WHERE a.attnum > 0 AND NOT a.attisdropped AND (a.attgenerated <> '' OR a.attidentity <> '')
UNION ALL
-- Array types are dumped with their element type: kind b[].
SELECT 'pg_type', t.oid, n.nspname::text, t.typname::text,
       t.typtype::text || CASE WHEN t.typelem <> 0 AND t.typsubscript = 'pg_catalog.array_subscript_handler'::pg_catalog.regproc
                               THEN '[]' WHEN t.typtype = 'p' AND NOT t.typisdefined THEN ' shell' ELSE '' END
FROM pg_catalog.pg_type t JOIN user_ns n ON n.oid = t.typnamespace
WHERE NOT EXISTS (SELECT 1 FROM member m WHERE m.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                                             AND m.objid = t.oid)
UNION ALL
SELECT 'pg_proc', p.oid, n.nspname::text,
       p.proname::text || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
       p.prokind::text
FROM pg_catalog.pg_proc p JOIN user_ns n ON n.oid = p.pronamespace
WHERE NOT EXISTS (SELECT 1 FROM member m WHERE m.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                                             AND m.objid = p.oid)
UNION ALL
SELECT 'pg_constraint', o.oid, n.nspname::text, o.conname::text, o.contype::text
FROM pg_catalog.pg_constraint o JOIN user_ns n ON n.oid = o.connamespace
UNION ALL
SELECT 'pg_trigger', t.oid, n.nspname::text, c.relname::text || ' ' || t.tgname::text,
       t.tgenabled::text
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN user_ns n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal
UNION ALL
SELECT 'pg_rewrite', r.oid, n.nspname::text, c.relname::text || ' ' || r.rulename::text,
       r.ev_type::text || r.ev_enabled::text
FROM pg_catalog.pg_rewrite r
JOIN pg_catalog.pg_class c ON c.oid = r.ev_class JOIN user_ns n ON n.oid = c.relnamespace
UNION ALL
SELECT 'pg_am', a.oid, NULL, a.amname::text, a.amtype::text
FROM pg_catalog.pg_am a
WHERE a.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM member m WHERE m.classid = 'pg_catalog.pg_am'::pg_catalog.regclass
                                             AND m.objid = a.oid)
UNION ALL
SELECT 'pg_policy', p.oid, n.nspname::text, c.relname::text || ' ' || p.polname::text,
       p.polcmd::text
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid JOIN user_ns n ON n.oid = c.relnamespace
UNION ALL
SELECT 'pg_event_trigger', e.oid, NULL, e.evtname::text, e.evtenabled::text
FROM pg_catalog.pg_event_trigger e
WHERE NOT EXISTS (SELECT 1 FROM member m WHERE m.classid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass
                                             AND m.objid = e.oid)
UNION ALL
SELECT 'pg_collation', o.oid, n.nspname::text, o.collname::text, o.collprovider::text
FROM pg_catalog.pg_collation o JOIN user_ns n ON n.oid = o.collnamespace
WHERE NOT EXISTS (SELECT 1 FROM member m WHERE m.classid = 'pg_catalog.pg_collation'::pg_catalog.regclass
                                             AND m.objid = o.oid)
UNION ALL
SELECT 'pg_default_acl', d.oid, n.nspname::text,
       pg_catalog.pg_get_userbyid(d.defaclrole)::text, d.defaclobjtype::text
FROM pg_catalog.pg_default_acl d LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
UNION ALL
SELECT 'pg_cast', c.oid, NULL,
       pg_catalog.format_type(c.castsource, NULL) || ' AS ' || pg_catalog.format_type(c.casttarget, NULL),
       c.castmethod::text || c.castcontext::text
FROM pg_catalog.pg_cast c
WHERE c.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM member m WHERE m.classid = 'pg_catalog.pg_cast'::pg_catalog.regclass
                                             AND m.objid = c.oid)
UNION ALL
-- Security labels: on which object (and column), by which provider.
SELECT 'pg_seclabel', l.objoid, i.schema::text, i.identity::text,
       l.classoid::text || ' ' || l.objsubid::text || ' ' || l.provider
FROM pg_catalog.pg_seclabel l
CROSS JOIN LATERAL pg_catalog.pg_identify_object(l.classoid, l.objoid, l.objsubid) AS i
UNION ALL
-- Shared security labels on this database or its subscriptions: not dumped.
SELECT 'pg_shseclabel', l.objoid, NULL, i.identity::text, i.type || ' ' || l.provider
FROM pg_catalog.pg_shseclabel l
CROSS JOIN LATERAL pg_catalog.pg_identify_object(l.classoid, l.objoid, 0) AS i
WHERE (l.classoid = 'pg_catalog.pg_database'::pg_catalog.regclass
       AND l.objoid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()))
   OR (l.classoid = 'pg_catalog.pg_subscription'::pg_catalog.regclass
       AND l.objoid IN (SELECT s.oid FROM pg_catalog.pg_subscription s WHERE s.subdbid =
           (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())))
ORDER BY 1, 2, 4
