-- Text search configurations with their parser and token mappings (token
-- alias quoted, dictionary as regdictionary prints it), in pg_dump's order.
SELECT c.oid, n.nspname::text AS schema, c.cfgname::text AS name,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.cfgname) AS qualified,
       pg_catalog.pg_get_userbyid(c.cfgowner)::text AS owner,
       pg_catalog.quote_ident(pn.nspname) || '.' || pg_catalog.quote_ident(p.prsname) AS parser,
       ARRAY(SELECT pg_catalog.quote_ident(t.alias)
             FROM pg_catalog.pg_ts_config_map m
             JOIN pg_catalog.ts_token_type(c.cfgparser) t ON t.tokid = m.maptokentype
             WHERE m.mapcfg = c.oid ORDER BY m.maptokentype, m.mapseqno) AS tokens,
       ARRAY(SELECT m.mapdict::pg_catalog.regdictionary::text
             FROM pg_catalog.pg_ts_config_map m
             WHERE m.mapcfg = c.oid ORDER BY m.maptokentype, m.mapseqno) AS dicts,
       pg_catalog.obj_description(c.oid, 'pg_ts_config') AS comment
FROM pg_catalog.pg_ts_config c
JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x
                  WHERE x.classid = 'pg_catalog.pg_ts_config'::pg_catalog.regclass
                    AND x.objid = c.oid AND x.deptype = 'e')
ORDER BY c.oid
