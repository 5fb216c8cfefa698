-- Identity and tenancy: users, projects, members, robot accounts, the keys
-- that sign registry tokens, and the audit log every change writes to.

CREATE TABLE users (
    id                  bigserial   PRIMARY KEY,
    username            text        NOT NULL UNIQUE,
    email               text        UNIQUE,
    realname            text        NOT NULL DEFAULT '',
    comment             text        NOT NULL DEFAULT '',
    password_hash       text        NOT NULL,
    sysadmin            boolean     NOT NULL DEFAULT false,
    -- Bumped whenever a credential changes or the user is disabled, so cached
    -- verifications die at once.
    credential_version  bigint      NOT NULL DEFAULT 1,
    creation_time       timestamptz NOT NULL DEFAULT now(),
    update_time         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE projects (
    id              bigserial   PRIMARY KEY,
    name            text        NOT NULL UNIQUE,
    owner_id        bigint      REFERENCES users (id) ON DELETE SET NULL,
    public          boolean     NOT NULL DEFAULT false,
    metadata        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    storage_limit   bigint      NOT NULL DEFAULT -1 CHECK (storage_limit >= -1),
    creation_time   timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_owner_id_idx ON projects (owner_id);

CREATE TABLE project_members (
    id              bigserial   PRIMARY KEY,
    project_id      bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id         bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            smallint    NOT NULL CHECK (role BETWEEN 1 AND 5),
    creation_time   timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, user_id)
);
CREATE INDEX project_members_user_id_idx ON project_members (user_id);

CREATE TABLE robots (
    id                  bigserial   PRIMARY KEY,
    -- As Harbor stores it: "<name>" for system robots, "<project>+<name>"
    -- for project robots; the configured prefix is added on the wire.
    name                text        NOT NULL UNIQUE,
    description         text        NOT NULL DEFAULT '',
    project_id          bigint      REFERENCES projects (id) ON DELETE CASCADE,
    secret_hash         text        NOT NULL,
    credential_version  bigint      NOT NULL DEFAULT 1,
    disabled            boolean     NOT NULL DEFAULT false,
    duration_days       integer     NOT NULL CHECK (duration_days = -1 OR duration_days > 0),
    expires_at          timestamptz,
    permissions         jsonb       NOT NULL,
    creator_type        text        NOT NULL,
    creator_ref         bigint      NOT NULL,
    creation_time       timestamptz NOT NULL DEFAULT now(),
    update_time         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX robots_project_id_idx ON robots (project_id);

-- Keys that sign registry tokens, shared by every replica. Only one is
-- active; the others remain to verify tokens they signed until those expire.
CREATE TABLE signing_keys (
    kid             text        PRIMARY KEY,
    algorithm       text        NOT NULL,
    private_key     bytea       NOT NULL,
    active          boolean     NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX signing_keys_one_active_idx ON signing_keys (active) WHERE active;

CREATE TABLE audit_log (
    id              bigserial   PRIMARY KEY,
    op_time         timestamptz NOT NULL DEFAULT now(),
    -- Kept as plain values, not foreign keys: the record outlives what it
    -- describes.
    project_id      bigint,
    username        text        NOT NULL,
    source_ip       text,
    resource_type   text        NOT NULL,
    resource        text        NOT NULL,
    operation       text        NOT NULL,
    detail          text        NOT NULL DEFAULT '',
    success         boolean     NOT NULL
);
CREATE INDEX audit_log_op_time_idx ON audit_log (op_time);
CREATE INDEX audit_log_project_id_op_time_idx ON audit_log (project_id, op_time);
