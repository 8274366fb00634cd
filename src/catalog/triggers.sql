-- Triggers, and (as pg_dump's getTriggers) a partition's trigger cloned
-- from its parent's when its enabled state differs from the parent's.
SELECT t.oid, t.tgrelid, t.tgname::text, pg_catalog.quote_ident(t.tgname),
       pg_catalog.pg_get_triggerdef(t.oid, false), t.tgenabled::text,
       pg_catalog.obj_description(t.oid, 'pg_trigger'),
       NULLIF(t.tgparentid, 0)
FROM pg_catalog.pg_trigger t
LEFT JOIN pg_catalog.pg_trigger u ON u.oid = t.tgparentid
WHERE (NOT t.tgisinternal AND t.tgparentid = 0) OR t.tgenabled <> u.tgenabled
ORDER BY t.oid
