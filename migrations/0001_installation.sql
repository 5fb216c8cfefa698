-- One row that identifies this installation. Every replica shares it, so
-- logs, traces and support bundles from one cluster can be told apart.
CREATE TABLE installation (
    id          uuid        PRIMARY KEY,
    singleton   boolean     NOT NULL DEFAULT true UNIQUE CHECK (singleton),
    created_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO installation (id) VALUES (gen_random_uuid());
