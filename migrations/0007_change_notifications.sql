-- Every replica caches what pulls resolve (tags, digests, project ids) and
-- must forget it when it changes, whichever process or tool changed it:
-- these triggers notify at commit. Pull bookkeeping (pull_time, counts)
-- does not notify.

CREATE FUNCTION berth_notify_repository_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    repository bigint;
BEGIN
    IF TG_TABLE_NAME = 'repositories' THEN
        repository := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
    ELSE
        repository := CASE WHEN TG_OP = 'DELETE' THEN OLD.repository_id ELSE NEW.repository_id END;
    END IF;
    PERFORM pg_notify('berth_registry_changes', 'r' || repository);
    RETURN NULL;
END $$;

CREATE FUNCTION berth_notify_project_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('berth_registry_changes', 'p');
    RETURN NULL;
END $$;

CREATE TRIGGER tags_notify_change
    AFTER INSERT OR UPDATE OR DELETE ON tags
    FOR EACH ROW EXECUTE FUNCTION berth_notify_repository_change();

CREATE TRIGGER artifacts_notify_change
    AFTER DELETE OR UPDATE OF repository_id, digest, media_type, artifact_type, size, annotations ON artifacts
    FOR EACH ROW EXECUTE FUNCTION berth_notify_repository_change();

CREATE TRIGGER repositories_notify_change
    AFTER DELETE OR UPDATE OF name, project_id ON repositories
    FOR EACH ROW EXECUTE FUNCTION berth_notify_repository_change();

CREATE TRIGGER projects_notify_change
    AFTER DELETE OR UPDATE OF name ON projects
    FOR EACH ROW EXECUTE FUNCTION berth_notify_project_change();
