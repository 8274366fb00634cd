-- Event triggers, not extension members.
SELECT e.oid, e.evtname::text, pg_catalog.quote_ident(e.evtname), e.evtevent::text,
       pg_catalog.pg_get_userbyid(e.evtowner)::text,
       pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_literal(t)
                                        FROM pg_catalog.unnest(e.evttags) AS t), ', '),
       e.evtfoid::pg_catalog.regproc::text, e.evtenabled::text,
       pg_catalog.obj_description(e.oid, 'pg_event_trigger')
FROM pg_catalog.pg_event_trigger e
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass
                    AND d.objid = e.oid AND d.deptype = 'e')
ORDER BY e.oid
