-- Personal access tokens: usable wherever a user's password is, optionally
-- narrowed to projects and permissions, stored as a SHA-256 of the token
-- (the token is 256 random bits, so a fast hash is enough).
CREATE TABLE personal_tokens (
    id              bigserial   PRIMARY KEY,
    user_id         bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lookup          text        NOT NULL UNIQUE,
    token_sha256    bytea       NOT NULL,
    name            text        NOT NULL,
    projects        jsonb,
    permissions     jsonb,
    expires_at      timestamptz,
    last_used_at    timestamptz,
    creation_time   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, name)
);
CREATE INDEX personal_tokens_user_id_idx ON personal_tokens (user_id);
