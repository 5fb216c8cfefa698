-- What Harbor shows as an artifact's size: its manifest, config and layers,
-- and for an index its entries' sizes too. `size` stays the manifest's own
-- length, which the registry answers as Content-Length.
ALTER TABLE artifacts ADD COLUMN total_size bigint;

UPDATE artifacts a SET total_size = a.size + COALESCE((
    SELECT sum(b.size) FROM artifact_references ar JOIN blobs b ON b.digest = ar.digest
    WHERE ar.artifact_id = a.id AND ar.kind = 'blob'), 0);

UPDATE artifacts a SET total_size = a.size + COALESCE((
    SELECT sum(c.total_size) FROM artifact_references ar
    JOIN artifacts c ON c.repository_id = a.repository_id AND c.digest = ar.digest
    WHERE ar.artifact_id = a.id AND ar.kind = 'manifest'), 0)
WHERE EXISTS (SELECT 1 FROM artifact_references ar WHERE ar.artifact_id = a.id AND ar.kind = 'manifest');

ALTER TABLE artifacts ALTER COLUMN total_size SET NOT NULL;
