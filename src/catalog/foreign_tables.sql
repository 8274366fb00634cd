-- Foreign tables: server, table options and per-column options.
SELECT ft.ftrelid AS oid, pg_catalog.quote_ident(s.srvname) AS server,
       pg_catalog.array_to_string(ARRAY(
           SELECT pg_catalog.quote_ident(option_name) || ' ' || pg_catalog.quote_literal(option_value)
           FROM pg_catalog.pg_options_to_table(ft.ftoptions) ORDER BY option_name), E',\n    ') AS options,
       ARRAY(SELECT pg_catalog.quote_ident(a.attname) FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = ft.ftrelid AND a.attnum > 0 AND NOT a.attisdropped
               AND a.attfdwoptions IS NOT NULL ORDER BY a.attnum) AS option_columns,
       ARRAY(SELECT pg_catalog.array_to_string(ARRAY(
                 SELECT pg_catalog.quote_ident(option_name) || ' ' || pg_catalog.quote_literal(option_value)
                 FROM pg_catalog.pg_options_to_table(a.attfdwoptions) ORDER BY option_name), E',\n    ')
             FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = ft.ftrelid AND a.attnum > 0 AND NOT a.attisdropped
               AND a.attfdwoptions IS NOT NULL ORDER BY a.attnum) AS column_options
FROM pg_catalog.pg_foreign_table ft
JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver
ORDER BY ft.ftrelid
