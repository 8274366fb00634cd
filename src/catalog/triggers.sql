SELECT t.oid, t.tgrelid, t.tgname::text, pg_catalog.quote_ident(t.tgname),
       pg_catalog.pg_get_triggerdef(t.oid, false), t.tgenabled::text,
       pg_catalog.obj_description(t.oid, 'pg_trigger')
FROM pg_catalog.pg_trigger t
WHERE NOT t.tgisinternal AND t.tgparentid = 0
ORDER BY t.oid
