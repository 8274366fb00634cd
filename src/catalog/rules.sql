-- Rules other than views' _RETURN rules.
SELECT r.oid, r.ev_class, r.rulename::text, pg_catalog.quote_ident(r.rulename),
       pg_catalog.pg_get_ruledef(r.oid), r.ev_enabled::text,
       pg_catalog.obj_description(r.oid, 'pg_rewrite')
FROM pg_catalog.pg_rewrite r
WHERE r.rulename <> '_RETURN'
ORDER BY r.oid
