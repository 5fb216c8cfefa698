-- Registry metadata. Bytes live in the object store; these tables say which
-- repository may see which blob, what each manifest references, and which
-- tags point where.

CREATE TABLE repositories (
    id              bigserial   PRIMARY KEY,
    project_id      bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name            text        NOT NULL UNIQUE,
    description     text        NOT NULL DEFAULT '',
    pull_count      bigint      NOT NULL DEFAULT 0,
    creation_time   timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX repositories_project_id_idx ON repositories (project_id);

-- Every committed blob, once, by digest.
CREATE TABLE blobs (
    digest          text        PRIMARY KEY,
    size            bigint      NOT NULL CHECK (size >= 0),
    creation_time   timestamptz NOT NULL DEFAULT now()
);

-- Blob visibility is per repository: a digest existing elsewhere is never
-- an answer here.
CREATE TABLE repository_blobs (
    repository_id   bigint      NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    digest          text        NOT NULL REFERENCES blobs (digest),
    creation_time   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repository_id, digest)
);
CREATE INDEX repository_blobs_digest_idx ON repository_blobs (digest);

CREATE TABLE artifacts (
    id                  bigserial   PRIMARY KEY,
    repository_id       bigint      NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    digest              text        NOT NULL,
    media_type          text        NOT NULL,
    artifact_type       text,
    config_media_type   text,
    size                bigint      NOT NULL,
    subject_digest      text,
    annotations         jsonb,
    push_time           timestamptz NOT NULL DEFAULT now(),
    pull_time           timestamptz,
    UNIQUE (repository_id, digest)
);
CREATE INDEX artifacts_subject_idx ON artifacts (repository_id, subject_digest);

-- What a manifest references: its config and layers (blobs), or its
-- children (manifests, for an index).
CREATE TABLE artifact_references (
    artifact_id     bigint      NOT NULL REFERENCES artifacts (id) ON DELETE CASCADE,
    digest          text        NOT NULL,
    kind            text        NOT NULL CHECK (kind IN ('blob', 'manifest')),
    PRIMARY KEY (artifact_id, digest, kind)
);
CREATE INDEX artifact_references_digest_idx ON artifact_references (digest);

CREATE TABLE tags (
    id              bigserial   PRIMARY KEY,
    repository_id   bigint      NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    name            text        NOT NULL,
    artifact_id     bigint      NOT NULL REFERENCES artifacts (id) ON DELETE CASCADE,
    push_time       timestamptz NOT NULL DEFAULT now(),
    pull_time       timestamptz,
    UNIQUE (repository_id, name)
);
CREATE INDEX tags_artifact_id_idx ON tags (artifact_id);

-- Upload sessions. Chunks are stored as separate objects and assembled,
-- hashed, at completion.
CREATE TABLE uploads (
    id              uuid        PRIMARY KEY,
    project_id      bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    repository      text        NOT NULL,
    size            bigint      NOT NULL DEFAULT 0,
    chunks          integer     NOT NULL DEFAULT 0,
    creation_time   timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX uploads_project_id_idx ON uploads (project_id);
