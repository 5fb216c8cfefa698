-- What the management API adds: labels, each project's storage usage (kept
-- exact under concurrent pushes by updating it under the project row's
-- lock), image attributes read from the config at push, and the indexes
-- its listings page through.

ALTER TABLE projects
    ADD COLUMN storage_used bigint NOT NULL DEFAULT 0 CHECK (storage_used >= 0);

-- Usage of projects that already hold blobs: each distinct blob once.
UPDATE projects p SET storage_used = COALESCE((
    SELECT sum(b.size) FROM blobs b
    WHERE b.digest IN (SELECT rb.digest FROM repository_blobs rb
                       JOIN repositories r ON r.id = rb.repository_id
                       WHERE r.project_id = p.id)), 0);

-- Harbor's extra_attrs: architecture, os, author, created, config.
ALTER TABLE artifacts ADD COLUMN extra_attrs jsonb;
-- An index entry's platform, for Harbor's `references`.
ALTER TABLE artifact_references ADD COLUMN platform jsonb;

-- How many indexes in the same repository list an artifact as a child.
-- Listings show only top-level artifacts (no parent index, no subject), as
-- Harbor does; kept by triggers so every path that adds or removes an index
-- (including cascades) keeps it right.
ALTER TABLE artifacts ADD COLUMN parents integer NOT NULL DEFAULT 0 CHECK (parents >= 0);

CREATE FUNCTION artifacts_count_parents() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.parents := (SELECT count(*) FROM artifact_references ar
                    JOIN artifacts p ON p.id = ar.artifact_id
                    WHERE ar.kind = 'manifest' AND ar.digest = NEW.digest
                      AND p.repository_id = NEW.repository_id);
    RETURN NEW;
END $$;
CREATE TRIGGER artifacts_count_parents BEFORE INSERT ON artifacts
    FOR EACH ROW EXECUTE FUNCTION artifacts_count_parents();

CREATE FUNCTION artifact_references_add_parent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE artifacts c SET parents = c.parents + 1
    FROM artifacts p
    WHERE p.id = NEW.artifact_id AND c.repository_id = p.repository_id AND c.digest = NEW.digest;
    RETURN NULL;
END $$;
CREATE TRIGGER artifact_references_add_parent AFTER INSERT ON artifact_references
    FOR EACH ROW WHEN (NEW.kind = 'manifest') EXECUTE FUNCTION artifact_references_add_parent();

-- Before the parent row goes, while its references are still there.
CREATE FUNCTION artifacts_release_children() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE artifacts c SET parents = c.parents - 1
    FROM artifact_references ar
    WHERE ar.artifact_id = OLD.id AND ar.kind = 'manifest'
      AND c.repository_id = OLD.repository_id AND c.digest = ar.digest AND c.parents > 0;
    RETURN OLD;
END $$;
CREATE TRIGGER artifacts_release_children BEFORE DELETE ON artifacts
    FOR EACH ROW EXECUTE FUNCTION artifacts_release_children();

UPDATE artifacts a SET parents = (SELECT count(*) FROM artifact_references ar
                                  JOIN artifacts p ON p.id = ar.artifact_id
                                  WHERE ar.kind = 'manifest' AND ar.digest = a.digest
                                    AND p.repository_id = a.repository_id);

-- Pages of a repository's top-level artifacts, newest first; the id makes
-- deep pages an index-only scan.
CREATE INDEX artifacts_top_level_idx ON artifacts (repository_id, push_time DESC, id DESC)
    WHERE parents = 0 AND subject_digest IS NULL;

CREATE TABLE labels (
    id              bigserial   PRIMARY KEY,
    name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
    description     text        NOT NULL DEFAULT '',
    color           text        NOT NULL DEFAULT '',
    -- 'g': global, managed by administrators; 'p': one project's.
    scope           text        NOT NULL CHECK (scope IN ('g', 'p')),
    project_id      bigint      REFERENCES projects (id) ON DELETE CASCADE,
    creation_time   timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now(),
    CHECK ((scope = 'g') = (project_id IS NULL))
);
CREATE UNIQUE INDEX labels_name_idx ON labels (name, scope, COALESCE(project_id, 0));
CREATE INDEX labels_project_id_idx ON labels (project_id);

CREATE TABLE artifact_labels (
    artifact_id     bigint      NOT NULL REFERENCES artifacts (id) ON DELETE CASCADE,
    label_id        bigint      NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    creation_time   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (artifact_id, label_id)
);
CREATE INDEX artifact_labels_label_id_idx ON artifact_labels (label_id);
