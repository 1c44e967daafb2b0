package postgres

// Migration is one step of the database schema, as Kong splits them: Up adds what the
// new version needs and is safe while older nodes still run (`weir migrations up`);
// Teardown, when set, removes what only older versions used (`weir migrations finish`).
// Released migrations are never edited; later versions append new ones.
type Migration struct {
	Name     string
	Up       string
	Teardown string
}

// Migrations is the schema, oldest first.
//
// Each entity is a table holding Kong's JSON for it in `entity` (JSONB), so the Admin
// API's shape is defined once, in package store. The columns constraints need are
// generated from that JSON and stored, so the database itself enforces primary keys,
// unique names and foreign keys with Kong's cascades, and a write can never make the
// JSON and the constrained columns disagree. Constraint names follow one convention,
// <table>_<field>_unique and <table>_<field>_fkey, which constraints.go maps back to
// Kong's errors. Plugin configs are JSONB (plugins.config); module binaries are kept
// once per sha256 in wasm_binaries.
//
// Every table has a statement trigger that appends to weir_changes and NOTIFYs
// weir_changes in the writing transaction, so every node learns of every committed
// change, whoever made it (see watch.go).
var Migrations = []Migration{
	{Name: "000_base", Up: baseSchema},
	{Name: "001_upstreams", Up: upstreamsSchema},
	{Name: "002_credentials", Up: credentialsSchema},
	{Name: "003_certificates", Up: certificatesSchema},
	{Name: "004_keys_vaults", Up: keysVaultsSchema},
	{Name: "005_ratelimiting_metrics", Up: rateLimitingSchema},
	{Name: "006_health_states", Up: healthStatesSchema},
}

const baseSchema = `
CREATE TABLE services (
  id         uuid PRIMARY KEY,
  entity     jsonb NOT NULL,
  name       text GENERATED ALWAYS AS (entity->>'name') STORED,
  CONSTRAINT services_name_unique UNIQUE (name)
);

CREATE TABLE routes (
  id         uuid PRIMARY KEY,
  entity     jsonb NOT NULL,
  name       text GENERATED ALWAYS AS (entity->>'name') STORED,
  service_id uuid GENERATED ALWAYS AS ((entity->'service'->>'id')::uuid) STORED,
  CONSTRAINT routes_name_unique UNIQUE (name),
  CONSTRAINT routes_service_fkey FOREIGN KEY (service_id) REFERENCES services (id) ON DELETE RESTRICT
);
CREATE INDEX routes_service_id_idx ON routes (service_id);

CREATE TABLE consumers (
  id         uuid PRIMARY KEY,
  entity     jsonb NOT NULL,
  username   text GENERATED ALWAYS AS (entity->>'username') STORED,
  custom_id  text GENERATED ALWAYS AS (entity->>'custom_id') STORED,
  CONSTRAINT consumers_username_unique UNIQUE (username),
  CONSTRAINT consumers_custom_id_unique UNIQUE (custom_id)
);

CREATE TABLE plugins (
  id            uuid PRIMARY KEY,
  entity        jsonb NOT NULL,
  name          text NOT NULL GENERATED ALWAYS AS (entity->>'name') STORED,
  instance_name text GENERATED ALWAYS AS (entity->>'instance_name') STORED,
  config        jsonb GENERATED ALWAYS AS (entity->'config') STORED,
  service_id    uuid GENERATED ALWAYS AS ((entity->'service'->>'id')::uuid) STORED,
  route_id      uuid GENERATED ALWAYS AS ((entity->'route'->>'id')::uuid) STORED,
  consumer_id   uuid GENERATED ALWAYS AS ((entity->'consumer'->>'id')::uuid) STORED,
  -- Kong's cache_key: one plugin of a name per (route, service, consumer), unset
  -- scopes included, so there is a single global instance of each plugin.
  cache_key     text GENERATED ALWAYS AS (
                  'plugins:' || (entity->>'name') || ':' || coalesce(entity->'route'->>'id', '') || ':' ||
                  coalesce(entity->'service'->>'id', '') || ':' || coalesce(entity->'consumer'->>'id', '')) STORED,
  CONSTRAINT plugins_instance_name_unique UNIQUE (instance_name),
  CONSTRAINT plugins_cache_key_unique UNIQUE (cache_key),
  CONSTRAINT plugins_service_fkey FOREIGN KEY (service_id) REFERENCES services (id) ON DELETE CASCADE,
  CONSTRAINT plugins_route_fkey FOREIGN KEY (route_id) REFERENCES routes (id) ON DELETE CASCADE,
  CONSTRAINT plugins_consumer_fkey FOREIGN KEY (consumer_id) REFERENCES consumers (id) ON DELETE CASCADE
);
CREATE INDEX plugins_name_idx ON plugins (name);
CREATE INDEX plugins_service_id_idx ON plugins (service_id);
CREATE INDEX plugins_route_id_idx ON plugins (route_id);
CREATE INDEX plugins_consumer_id_idx ON plugins (consumer_id);

CREATE TABLE keyauth_credentials (
  id          uuid PRIMARY KEY,
  entity      jsonb NOT NULL,
  key         text GENERATED ALWAYS AS (entity->>'key') STORED,
  consumer_id uuid GENERATED ALWAYS AS ((entity->'consumer'->>'id')::uuid) STORED,
  CONSTRAINT keyauth_credentials_key_unique UNIQUE (key),
  CONSTRAINT keyauth_credentials_consumer_fkey FOREIGN KEY (consumer_id) REFERENCES consumers (id) ON DELETE CASCADE
);
CREATE INDEX keyauth_credentials_consumer_id_idx ON keyauth_credentials (consumer_id);

CREATE TABLE wasm_binaries (
  sha256 text PRIMARY KEY,
  data   bytea NOT NULL
);

CREATE TABLE wasm_modules (
  id     uuid PRIMARY KEY,
  entity jsonb NOT NULL,
  name   text NOT NULL GENERATED ALWAYS AS (entity->>'name') STORED,
  sha256 text NOT NULL GENERATED ALWAYS AS (entity->>'sha256') STORED,
  CONSTRAINT wasm_modules_name_unique UNIQUE (name),
  CONSTRAINT wasm_modules_sha256_fkey FOREIGN KEY (sha256) REFERENCES wasm_binaries (sha256)
);

CREATE INDEX services_tags_idx ON services USING gin ((entity->'tags'));
CREATE INDEX routes_tags_idx ON routes USING gin ((entity->'tags'));
CREATE INDEX consumers_tags_idx ON consumers USING gin ((entity->'tags'));
CREATE INDEX plugins_tags_idx ON plugins USING gin ((entity->'tags'));
CREATE INDEX keyauth_credentials_tags_idx ON keyauth_credentials USING gin ((entity->'tags'));
CREATE INDEX wasm_modules_tags_idx ON wasm_modules USING gin ((entity->'tags'));

CREATE TABLE weir_changes (
  id     bigserial PRIMARY KEY,
  entity text NOT NULL,
  op     text NOT NULL,
  at     timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION weir_record_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  change_id bigint;
BEGIN
  INSERT INTO weir_changes (entity, op) VALUES (TG_TABLE_NAME, TG_OP) RETURNING id INTO change_id;
  PERFORM pg_notify('weir_changes', change_id::text);
  RETURN NULL;
END
$$;

CREATE TRIGGER services_changed AFTER INSERT OR UPDATE OR DELETE ON services
  FOR EACH STATEMENT EXECUTE FUNCTION weir_record_change();
CREATE TRIGGER routes_changed AFTER INSERT OR UPDATE OR DELETE ON routes
  FOR EACH STATEMENT EXECUTE FUNCTION weir_record_change();
CREATE TRIGGER consumers_changed AFTER INSERT OR UPDATE OR DELETE ON consumers
  FOR EACH STATEMENT EXECUTE FUNCTION weir_record_change();
CREATE TRIGGER plugins_changed AFTER INSERT OR UPDATE OR DELETE ON plugins
  FOR EACH STATEMENT EXECUTE FUNCTION weir_record_change();
CREATE TRIGGER keyauth_credentials_changed AFTER INSERT OR UPDATE OR DELETE ON keyauth_credentials
  FOR EACH STATEMENT EXECUTE FUNCTION weir_record_change();
CREATE TRIGGER wasm_modules_changed AFTER INSERT OR UPDATE OR DELETE ON wasm_modules
  FOR EACH STATEMENT EXECUTE FUNCTION weir_record_change();
`

// upstreamsSchema adds upstreams and their targets. A target is unique per upstream
// and address (cache_key), and goes with its upstream.
const upstreamsSchema = `
CREATE TABLE upstreams (
  id     uuid PRIMARY KEY,
  entity jsonb NOT NULL,
  name   text NOT NULL GENERATED ALWAYS AS (entity->>'name') STORED,
  CONSTRAINT upstreams_name_unique UNIQUE (name)
);

CREATE TABLE targets (
  id          uuid PRIMARY KEY,
  entity      jsonb NOT NULL,
  upstream_id uuid NOT NULL GENERATED ALWAYS AS ((entity->'upstream'->>'id')::uuid) STORED,
  cache_key   text GENERATED ALWAYS AS ('targets:' || (entity->'upstream'->>'id') || ':' || (entity->>'target')) STORED,
  CONSTRAINT targets_cache_key_unique UNIQUE (cache_key),
  CONSTRAINT targets_upstream_fkey FOREIGN KEY (upstream_id) REFERENCES upstreams (id) ON DELETE CASCADE
);
CREATE INDEX targets_upstream_id_idx ON targets (upstream_id);
CREATE INDEX upstreams_tags_idx ON upstreams USING gin ((entity->'tags'));
CREATE INDEX targets_tags_idx ON targets USING gin ((entity->'tags'));

CREATE TRIGGER upstreams_changed AFTER INSERT OR UPDATE OR DELETE ON upstreams
  FOR EACH STATEMENT EXECUTE FUNCTION weir_record_change();
CREATE TRIGGER targets_changed AFTER INSERT OR UPDATE OR DELETE ON targets
  FOR EACH STATEMENT EXECUTE FUNCTION weir_record_change();
`

// credentialsSchema adds the auth plugins' credentials, each going with its consumer.
const credentialsSchema = `
CREATE TABLE jwt_secrets (
  id          uuid PRIMARY KEY,
  entity      jsonb NOT NULL,
  key         text GENERATED ALWAYS AS (entity->>'key') STORED,
  consumer_id uuid GENERATED ALWAYS AS ((entity->'consumer'->>'id')::uuid) STORED,
  CONSTRAINT jwt_secrets_key_unique UNIQUE (key),
  CONSTRAINT jwt_secrets_consumer_fkey FOREIGN KEY (consumer_id) REFERENCES consumers (id) ON DELETE CASCADE
);
CREATE TABLE basicauth_credentials (
  id          uuid PRIMARY KEY,
  entity      jsonb NOT NULL,
  username    text GENERATED ALWAYS AS (entity->>'username') STORED,
  consumer_id uuid GENERATED ALWAYS AS ((entity->'consumer'->>'id')::uuid) STORED,
  CONSTRAINT basicauth_credentials_username_unique UNIQUE (username),
  CONSTRAINT basicauth_credentials_consumer_fkey FOREIGN KEY (consumer_id) REFERENCES consumers (id) ON DELETE CASCADE
);
CREATE TABLE acls (
  id          uuid PRIMARY KEY,
  entity      jsonb NOT NULL,
  consumer_id uuid GENERATED ALWAYS AS ((entity->'consumer'->>'id')::uuid) STORED,
  cache_key   text GENERATED ALWAYS AS ('acls:' || (entity->'consumer'->>'id') || ':' || (entity->>'group')) STORED,
  CONSTRAINT acls_cache_key_unique UNIQUE (cache_key),
  CONSTRAINT acls_consumer_fkey FOREIGN KEY (consumer_id) REFERENCES consumers (id) ON DELETE CASCADE
);
CREATE TABLE hmacauth_credentials (
  id          uuid PRIMARY KEY,
  entity      jsonb NOT NULL,
  username    text GENERATED ALWAYS AS (entity->>'username') STORED,
  consumer_id uuid GENERATED ALWAYS AS ((entity->'consumer'->>'id')::uuid) STORED,
  CONSTRAINT hmacauth_credentials_username_unique UNIQUE (username),
  CONSTRAINT hmacauth_credentials_consumer_fkey FOREIGN KEY (consumer_id) REFERENCES consumers (id) ON DELETE CASCADE
);
CREATE INDEX jwt_secrets_consumer_id_idx ON jwt_secrets (consumer_id);
CREATE INDEX basicauth_credentials_consumer_id_idx ON basicauth_credentials (consumer_id);
CREATE INDEX acls_consumer_id_idx ON acls (consumer_id);
CREATE INDEX hmacauth_credentials_consumer_id_idx ON hmacauth_credentials (consumer_id);
CREATE INDEX jwt_secrets_tags_idx ON jwt_secrets USING gin ((entity->'tags'));
CREATE INDEX basicauth_credentials_tags_idx ON basicauth_credentials USING gin ((entity->'tags'));
CREATE INDEX acls_tags_idx ON acls USING gin ((entity->'tags'));
CREATE INDEX hmacauth_credentials_tags_idx ON hmacauth_credentials USING gin ((entity->'tags'));

CREATE TRIGGER jwt_secrets_changed AFTER INSERT OR UPDATE OR DELETE ON jwt_secrets
  FOR EACH STATEMENT EXECUTE FUNCTION weir_record_change();
CREATE TRIGGER basicauth_credentials_changed AFTER INSERT OR UPDATE OR DELETE ON basicauth_credentials
  FOR EACH STATEMENT EXECUTE FUNCTION weir_record_change();
CREATE TRIGGER acls_changed AFTER INSERT OR UPDATE OR DELETE ON acls
  FOR EACH STATEMENT EXECUTE FUNCTION weir_record_change();
CREATE TRIGGER hmacauth_credentials_changed AFTER INSERT OR UPDATE OR DELETE ON hmacauth_credentials
  FOR EACH STATEMENT EXECUTE FUNCTION weir_record_change();
`

// certificatesSchema adds certificates, their SNIs (which go with them) and CA
// certificates, and makes the client_certificate of services and upstreams real
// foreign keys that keep a certificate in use from being deleted.
const certificatesSchema = `
CREATE TABLE certificates (
  id     uuid PRIMARY KEY,
  entity jsonb NOT NULL
);
CREATE TABLE snis (
  id             uuid PRIMARY KEY,
  entity         jsonb NOT NULL,
  name           text NOT NULL GENERATED ALWAYS AS (entity->>'name') STORED,
  certificate_id uuid NOT NULL GENERATED ALWAYS AS ((entity->'certificate'->>'id')::uuid) STORED,
  CONSTRAINT snis_name_unique UNIQUE (name),
  CONSTRAINT snis_certificate_fkey FOREIGN KEY (certificate_id) REFERENCES certificates (id) ON DELETE CASCADE
);
CREATE INDEX snis_certificate_id_idx ON snis (certificate_id);
CREATE TABLE ca_certificates (
  id          uuid PRIMARY KEY,
  entity      jsonb NOT NULL,
  cert_digest text NOT NULL GENERATED ALWAYS AS (entity->>'cert_digest') STORED,
  CONSTRAINT ca_certificates_cert_digest_unique UNIQUE (cert_digest)
);
ALTER TABLE services
  ADD COLUMN client_certificate_id uuid GENERATED ALWAYS AS ((entity->'client_certificate'->>'id')::uuid) STORED,
  ADD CONSTRAINT services_client_certificate_fkey FOREIGN KEY (client_certificate_id) REFERENCES certificates (id) ON DELETE RESTRICT;
ALTER TABLE upstreams
  ADD COLUMN client_certificate_id uuid GENERATED ALWAYS AS ((entity->'client_certificate'->>'id')::uuid) STORED,
  ADD CONSTRAINT upstreams_client_certificate_fkey FOREIGN KEY (client_certificate_id) REFERENCES certificates (id) ON DELETE RESTRICT;
CREATE INDEX certificates_tags_idx ON certificates USING gin ((entity->'tags'));
CREATE INDEX snis_tags_idx ON snis USING gin ((entity->'tags'));
CREATE INDEX ca_certificates_tags_idx ON ca_certificates USING gin ((entity->'tags'));

CREATE TRIGGER certificates_changed AFTER INSERT OR UPDATE OR DELETE ON certificates
  FOR EACH STATEMENT EXECUTE FUNCTION weir_record_change();
CREATE TRIGGER snis_changed AFTER INSERT OR UPDATE OR DELETE ON snis
  FOR EACH STATEMENT EXECUTE FUNCTION weir_record_change();
CREATE TRIGGER ca_certificates_changed AFTER INSERT OR UPDATE OR DELETE ON ca_certificates
  FOR EACH STATEMENT EXECUTE FUNCTION weir_record_change();
`

// keysVaultsSchema adds vaults (unique prefix), key sets and their keys (unique name;
// a kid once per set, keys of no set counting as one set), which go with their set.
const keysVaultsSchema = `
CREATE TABLE vaults (
  id     uuid PRIMARY KEY,
  entity jsonb NOT NULL,
  prefix text NOT NULL GENERATED ALWAYS AS (entity->>'prefix') STORED,
  CONSTRAINT vaults_prefix_unique UNIQUE (prefix)
);
CREATE TABLE key_sets (
  id     uuid PRIMARY KEY,
  entity jsonb NOT NULL,
  name   text GENERATED ALWAYS AS (entity->>'name') STORED,
  CONSTRAINT key_sets_name_unique UNIQUE (name)
);
CREATE TABLE keys (
  id        uuid PRIMARY KEY,
  entity    jsonb NOT NULL,
  name      text GENERATED ALWAYS AS (entity->>'name') STORED,
  set_id    uuid GENERATED ALWAYS AS ((entity->'set'->>'id')::uuid) STORED,
  cache_key text GENERATED ALWAYS AS ('keys:' || (entity->>'kid') || ':' || coalesce(entity->'set'->>'id', '')) STORED,
  CONSTRAINT keys_name_unique UNIQUE (name),
  CONSTRAINT keys_cache_key_unique UNIQUE (cache_key),
  CONSTRAINT keys_set_fkey FOREIGN KEY (set_id) REFERENCES key_sets (id) ON DELETE CASCADE
);
CREATE INDEX keys_set_id_idx ON keys (set_id);
CREATE INDEX vaults_tags_idx ON vaults USING gin ((entity->'tags'));
CREATE INDEX key_sets_tags_idx ON key_sets USING gin ((entity->'tags'));
CREATE INDEX keys_tags_idx ON keys USING gin ((entity->'tags'));

CREATE TRIGGER vaults_changed AFTER INSERT OR UPDATE OR DELETE ON vaults
  FOR EACH STATEMENT EXECUTE FUNCTION weir_record_change();
CREATE TRIGGER key_sets_changed AFTER INSERT OR UPDATE OR DELETE ON key_sets
  FOR EACH STATEMENT EXECUTE FUNCTION weir_record_change();
CREATE TRIGGER keys_changed AFTER INSERT OR UPDATE OR DELETE ON keys
  FOR EACH STATEMENT EXECUTE FUNCTION weir_record_change();
`

// healthStatesSchema keeps the latest health transition of each target address of an
// upstream, shared by the nodes (see health.go). It is node state, not configuration:
// no change trigger, and writes NOTIFY weir_health instead of weir_changes. seq comes
// from its own sequence and is taken again by every write, so a node reads what
// changed since the seq it last saw.
const healthStatesSchema = `
CREATE SEQUENCE weir_health_states_seq;
CREATE TABLE weir_health_states (
  upstream_id uuid NOT NULL,
  address     text NOT NULL,
  state       text NOT NULL,
  node        text NOT NULL,
  manual      boolean NOT NULL DEFAULT false,
  at          timestamptz NOT NULL,
  seq         bigint NOT NULL DEFAULT nextval('weir_health_states_seq'),
  PRIMARY KEY (upstream_id, address),
  CONSTRAINT weir_health_states_upstream_fkey FOREIGN KEY (upstream_id) REFERENCES upstreams (id) ON DELETE CASCADE
);
CREATE INDEX weir_health_states_seq_idx ON weir_health_states (seq);
`

// dropSchema removes everything the migrations create (`weir migrations reset`). It
// names weir's objects rather than dropping the schema, which may hold other tables.
const dropSchema = `
DROP TABLE IF EXISTS ratelimiting_metrics, keys, key_sets, vaults, snis, ca_certificates, certificates, jwt_secrets, basicauth_credentials, acls, hmacauth_credentials, targets, upstreams, plugins, keyauth_credentials, routes, services, consumers,
  wasm_modules, wasm_binaries, weir_changes, weir_schema_meta, weir_health_states CASCADE;
DROP SEQUENCE IF EXISTS weir_health_states_seq;
DROP FUNCTION IF EXISTS weir_record_change() CASCADE;
`
