-- One "large app" schema: 138 tables in 23 families of 6, views, sequences,
-- indexes, FKs, comments, a trigger function and triggers. Called per schema.
CREATE OR REPLACE FUNCTION make_app_schema(s text) RETURNS void LANGUAGE plpgsql AS $f$
DECLARE i int; j int; t text;
BEGIN
  EXECUTE format('CREATE SCHEMA %I', s);
  EXECUTE format($q$CREATE FUNCTION %I.touch() RETURNS trigger LANGUAGE plpgsql AS $b$BEGIN NEW.updated_at := now(); RETURN NEW; END$b$$q$, s);
  EXECUTE format($q$CREATE TYPE %I.status AS ENUM ('new','active','archived')$q$, s);
  FOR i IN 1..23 LOOP
    EXECUTE format('CREATE TABLE %I.accounts_%s (id bigserial PRIMARY KEY, name text NOT NULL, email text UNIQUE, status %I.status DEFAULT ''new'', created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz)', s, i, s);
    EXECUTE format('COMMENT ON TABLE %I.accounts_%s IS ''accounts of family %s''', s, i, i);
    FOR j IN 1..5 LOOP
      t := format('items_%s_%s', i, j);
      EXECUTE format('CREATE TABLE %I.%I (id bigserial PRIMARY KEY, account_id bigint NOT NULL REFERENCES %I.accounts_%s(id) ON DELETE CASCADE, title varchar(200) NOT NULL, body text, price numeric(12,2) CHECK (price >= 0), tags text[], data jsonb DEFAULT ''{}'', position int NOT NULL DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz)', s, t, s, i);
      EXECUTE format('CREATE INDEX ON %I.%I (account_id)', s, t);
      EXECUTE format('CREATE INDEX ON %I.%I (created_at DESC)', s, t);
      EXECUTE format('CREATE UNIQUE INDEX ON %I.%I (account_id, title)', s, t);
      EXECUTE format('CREATE TRIGGER touch BEFORE UPDATE ON %I.%I FOR EACH ROW EXECUTE FUNCTION %I.touch()', s, t, s);
      EXECUTE format('COMMENT ON COLUMN %I.%I.title IS ''the title''', s, t);
    END LOOP;
    IF i <= 33 THEN
      EXECUTE format('CREATE VIEW %I.summary_%s AS SELECT a.id, a.name, count(x.id) AS n FROM %I.accounts_%s a LEFT JOIN %I.items_%s_1 x ON x.account_id = a.id GROUP BY a.id, a.name', s, i, s, i, s, i);
    END IF;
  END LOOP;
  FOR i IN 1..10 LOOP
    EXECUTE format('CREATE VIEW %I.recent_%s AS SELECT id, title FROM %I.items_%s_2 WHERE created_at > now() - interval ''1 day''', s, i, s, i);
  END LOOP;
END $f$;
