import { Fragment, useMemo, useState } from "react";
import { Link, useParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import {
  Breadcrumb,
  BreadcrumbItem,
  Button,
  Form,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  Label,
  LabelGroup,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  PageSection,
  TextInput,
  Title,
  Toolbar,
  ToolbarContent,
  Tooltip,
} from "@patternfly/react-core";
import { ExpandableRowContent, Table, Tbody, Td, Th, Thead, Tr, type ThProps } from "@patternfly/react-table";
import { api, repoParam, unwrap, unwrapPage } from "../../api/client";
import { useProject, useProjectPermissions, type Artifact } from "../../api/queries";
import { ConfirmModal, CopyButton, EmptyTable, ErrorState, LoadingState, TableSkeleton, ToolbarPager } from "../../components/common";
import { usePagedQuery } from "../../components/usePagedQuery";
import { apiErrorMessage } from "../../lib/errors";
import { formatTime, humanSize, shortDigest } from "../../lib/format";
import { can } from "../../lib/permissions";

type Accessory = NonNullable<Artifact["accessories"]>[number];

export function accessoryBadges(accessories: Accessory[] | null | undefined): { key: string; label: string; color: "green" | "purple" | "blue" }[] {
  const list = accessories ?? [];
  const out: { key: string; label: string; color: "green" | "purple" | "blue" }[] = [];
  const count = (pred: (t: string) => boolean) => list.filter((a) => pred(a.type ?? "")).length;
  const sigs = count((t) => t.startsWith("signature."));
  const sboms = count((t) => t === "harbor.sbom");
  const other = list.length - sigs - sboms;
  if (sigs) out.push({ key: "signed", label: sigs > 1 ? `Signed ×${sigs}` : "Signed", color: "green" });
  if (sboms) out.push({ key: "sbom", label: "SBOM", color: "purple" });
  if (other) out.push({ key: "accessory", label: other > 1 ? `${other} attachments` : "1 attachment", color: "blue" });
  return out;
}

function platformText(platform: unknown): string {
  if (!platform || typeof platform !== "object") return "unknown platform";
  const p = platform as { os?: string; architecture?: string; variant?: string };
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/") || "unknown platform";
}

const SORTS = { push_time: 4, pull_time: 5, size: 2 } as const;
type SortKey = keyof typeof SORTS | "tags";

function AddTagModal({
  artifact,
  projectName,
  repoPath,
  onClose,
}: {
  artifact: Artifact | null;
  projectName: string;
  repoPath: string;
  onClose: () => void;
}) {
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const add = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/tags", {
          params: { path: { project_name: projectName, repository_name: repoParam(repoPath), reference: artifact!.digest } },
          body: { name: name.trim() } as never,
        }),
      ),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ["artifacts", projectName, repoPath] });
      close();
    },
  });
  function close() {
    setName("");
    add.reset();
    onClose();
  }
  return (
    <Modal variant="small" isOpen={artifact != null} onClose={close} aria-labelledby="add-tag-title" data-testid="add-tag-modal">
      <ModalHeader title="Add tag" labelId="add-tag-title" description={artifact ? shortDigest(artifact.digest) : undefined} />
      <ModalBody>
        <Form
          id="add-tag-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) add.mutate();
          }}
        >
          <FormGroup label="Tag" isRequired fieldId="tag-name">
            <TextInput
              id="tag-name"
              data-testid="tag-name"
              autoFocus
              value={name}
              validated={add.isError ? "error" : "default"}
              onChange={(_e, v) => {
                setName(v);
                if (add.isError) add.reset();
              }}
            />
            {add.isError && (
              <FormHelperText>
                <HelperText>
                  <HelperTextItem variant="error" data-testid="tag-name-error">
                    {apiErrorMessage(add.error)}
                  </HelperTextItem>
                </HelperText>
              </FormHelperText>
            )}
          </FormGroup>
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button type="submit" form="add-tag-form" data-testid="add-tag-submit" isLoading={add.isPending} isDisabled={!name.trim() || add.isPending}>
          Add
        </Button>
        <Button variant="link" onClick={close}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}

export default function RepositoryPage() {
  const params = useParams();
  const projectName = params.name!;
  const repoPath = (params["*"] ?? "").replace(/\/+$/, "");
  const fullName = `${projectName}/${repoPath}`;
  const host = window.location.host;
  const qc = useQueryClient();
  const project = useProject(projectName);
  const perms = useProjectPermissions(project.data?.project_id);
  const [sort, setSort] = useState<{ key: SortKey; dir: "asc" | "desc" }>({ key: "push_time", dir: "desc" });
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [tagging, setTagging] = useState<Artifact | null>(null);
  const [deleting, setDeleting] = useState<Artifact | null>(null);
  const [deletingTag, setDeletingTag] = useState<{ artifact: Artifact; tag: string } | null>(null);

  const serverSort = sort.key === "tags" ? "-push_time" : `${sort.dir === "desc" ? "-" : ""}${sort.key}`;
  const { query: artifacts, paging, setPage, total } = usePagedQuery({
    key: ["artifacts", projectName, repoPath],
    vars: { serverSort },
    fetch: (query) =>
      unwrapPage(
        api.GET("/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts", {
          params: {
            path: { project_name: projectName, repository_name: repoParam(repoPath) },
            query: { ...query, with_tag: true, with_label: true, with_accessory: true, sort: serverSort },
          },
        }),
      ),
  });

  const rows = useMemo(() => {
    const items = artifacts.data?.items ?? [];
    if (sort.key !== "tags") return items;
    const first = (a: Artifact) => (a.tags ?? []).map((t) => t.name).sort()[0] ?? "\uffff";
    const sorted = [...items].sort((a, b) => first(a).localeCompare(first(b)));
    return sort.dir === "desc" ? sorted.reverse() : sorted;
  }, [artifacts.data, sort]);

  const permissions = perms.data;
  const canDeleteArtifact = can(permissions, "artifact", "delete");
  const canCreateTag = can(permissions, "tag", "create");
  const canDeleteTag = can(permissions, "tag", "delete");

  const sortProps = (key: SortKey, columnIndex: number): ThProps["sort"] => ({
    columnIndex,
    sortBy: { index: sort.key === key ? columnIndex : undefined, direction: sort.dir },
    onSort: (_e, _i, direction) => {
      setSort({ key, dir: direction });
      setPage(1);
    },
  });

  const invalidate = async () => {
    await qc.invalidateQueries({ queryKey: ["artifacts", projectName, repoPath] });
    await qc.invalidateQueries({ queryKey: ["project-summary", projectName] });
  };

  if (project.isError) {
    return (
      <PageSection>
        <ErrorState error={project.error} title={`Cannot open project ${projectName}`} />
      </PageSection>
    );
  }

  return (
    <PageSection>
      <Breadcrumb style={{ marginBottom: "0.5rem" }}>
        <BreadcrumbItem>
          <Link to="/projects">Projects</Link>
        </BreadcrumbItem>
        <BreadcrumbItem>
          <Link to={`/projects/${encodeURIComponent(projectName)}/repositories`}>{projectName}</Link>
        </BreadcrumbItem>
        <BreadcrumbItem isActive>{repoPath}</BreadcrumbItem>
      </Breadcrumb>
      <Title headingLevel="h1" data-testid="repository-title">
        {fullName}
      </Title>
      <Toolbar>
        <ToolbarContent>
          <ToolbarPager total={total} paging={paging} />
        </ToolbarContent>
      </Toolbar>
      {artifacts.isLoading || perms.isLoading ? (
        artifacts.isLoading ? <TableSkeleton /> : <LoadingState />
      ) : artifacts.isError ? (
        <ErrorState error={artifacts.error} onRetry={() => artifacts.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyTable title="No artifacts">{`Push one with: docker push ${host}/${fullName}:<tag>`}</EmptyTable>
      ) : (
        <Table aria-label="Artifacts" variant="compact" data-testid="artifacts-table">
          <Thead>
            <Tr>
              <Th screenReaderText="Details" />
              <Th>Digest</Th>
              <Th sort={sortProps("tags", 2)} modifier="nowrap">Tags</Th>
              <Th sort={sortProps("size", 3)} modifier="nowrap">Size</Th>
              <Th>Type</Th>
              <Th sort={sortProps("push_time", 5)} modifier="nowrap">Pushed</Th>
              <Th sort={sortProps("pull_time", 6)} modifier="nowrap">Pulled</Th>
              <Th>Labels</Th>
              <Th screenReaderText="Actions" />
            </Tr>
          </Thead>
          {rows.map((a, rowIndex) => {
            const isOpen = expanded.has(a.digest);
            const children = a.references ?? [];
            const badges = accessoryBadges(a.accessories);
            const pull = `docker pull ${host}/${a.repository_name || fullName}@${a.digest}`;
            return (
              <Tbody key={a.digest} isExpanded={isOpen}>
                <Tr data-testid="artifact-row" data-digest={a.digest}>
                  <Td
                    expand={{
                      rowIndex,
                      isExpanded: isOpen,
                      onToggle: () =>
                        setExpanded((s) => {
                          const n = new Set(s);
                          if (n.has(a.digest)) n.delete(a.digest);
                          else n.add(a.digest);
                          return n;
                        }),
                    }}
                  />
                  <Td dataLabel="Digest" modifier="nowrap">
                    <Tooltip content={a.digest}>
                      <span className="berth-mono" data-testid="artifact-digest">
                        {shortDigest(a.digest)}
                      </span>
                    </Tooltip>
                    <CopyButton text={pull} label="Copy pull command" testId="copy-pull-command" />
                    {badges.map((b) => (
                      <Label key={b.key} color={b.color} isCompact data-testid={`accessory-${b.key}`} style={{ marginLeft: 4 }}>
                        {b.label}
                      </Label>
                    ))}
                  </Td>
                  <Td dataLabel="Tags">
                    <LabelGroup numLabels={4} data-testid="artifact-tags">
                      {(a.tags ?? []).map((t) => (
                        <Label
                          key={t.name}
                          isCompact
                          color="blue"
                          data-testid={`tag-${t.name}`}
                          onClose={canDeleteTag ? () => setDeletingTag({ artifact: a, tag: t.name }) : undefined}
                          closeBtnAriaLabel={`Delete tag ${t.name}`}
                          closeBtnProps={{ "data-testid": `delete-tag-${t.name}` } as never}
                        >
                          {t.name}
                        </Label>
                      ))}
                    </LabelGroup>
                  </Td>
                  <Td dataLabel="Size" data-testid="artifact-size">
                    {humanSize(a.size)}
                  </Td>
                  <Td dataLabel="Type">
                    <Tooltip content={a.manifest_media_type}>
                      <span>{a.type || a.artifact_type || "-"}</span>
                    </Tooltip>
                    {children.length > 0 && (
                      <Label isCompact color="orange" style={{ marginLeft: 4 }} data-testid="artifact-children">
                        {children.length} platforms
                      </Label>
                    )}
                  </Td>
                  <Td dataLabel="Pushed">{formatTime(a.push_time)}</Td>
                  <Td dataLabel="Pulled">{formatTime(a.pull_time)}</Td>
                  <Td dataLabel="Labels">
                    {(a.labels ?? []).map((l) => (
                      <Label key={l.id} isCompact style={l.color ? { backgroundColor: l.color } : undefined}>
                        {l.name}
                      </Label>
                    ))}
                  </Td>
                  <Td isActionCell modifier="nowrap">
                    {canCreateTag && (
                      <Button variant="link" size="sm" data-testid="add-tag" onClick={() => setTagging(a)}>
                        Add tag
                      </Button>
                    )}
                    {canDeleteArtifact && (
                      <Button variant="secondary" isDanger size="sm" data-testid="delete-artifact" onClick={() => setDeleting(a)}>
                        Delete
                      </Button>
                    )}
                  </Td>
                </Tr>
                <Tr isExpanded={isOpen}>
                  <Td colSpan={9}>
                    <ExpandableRowContent>
                      <div data-testid="artifact-details">
                        <p>
                          <b>Digest:</b> <span className="berth-mono">{a.digest}</span>
                        </p>
                        <p>
                          <b>Pull:</b> <span className="berth-mono">{pull}</span>
                        </p>
                        <p>
                          <b>Media type:</b> {a.manifest_media_type}
                        </p>
                        {children.length > 0 && (
                          <>
                            <b>Platforms</b>
                            <ul>
                              {children.map((c) => (
                                <li key={c.child_digest} data-testid="artifact-child">
                                  {platformText(c.platform)} — <span className="berth-mono">{shortDigest(c.child_digest)}</span>
                                </li>
                              ))}
                            </ul>
                          </>
                        )}
                        {(a.accessories ?? []).length > 0 && (
                          <>
                            <b>Accessories</b>
                            <ul>
                              {(a.accessories ?? []).map((x) => (
                                <li key={x.digest} data-testid="artifact-accessory">
                                  {x.type} — <span className="berth-mono">{shortDigest(x.digest)}</span> ({humanSize(x.size)})
                                </li>
                              ))}
                            </ul>
                          </>
                        )}
                      </div>
                    </ExpandableRowContent>
                  </Td>
                </Tr>
              </Tbody>
            );
          })}
        </Table>
      )}
      <AddTagModal artifact={tagging} projectName={projectName} repoPath={repoPath} onClose={() => setTagging(null)} />
      <ConfirmModal
        isOpen={deleting != null}
        title="Delete artifact?"
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          await unwrap(
            api.DELETE("/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}", {
              params: { path: { project_name: projectName, repository_name: repoParam(repoPath), reference: deleting!.digest } },
            }),
          );
          await invalidate();
        }}
      >
        <Fragment>
          The artifact <span className="berth-mono">{shortDigest(deleting?.digest)}</span>
          {deleting?.tags?.length ? ` with tags ${deleting.tags.map((t) => t.name).join(", ")}` : ""} and its signatures and other
          accessories will be deleted.
        </Fragment>
      </ConfirmModal>
      <ConfirmModal
        isOpen={deletingTag != null}
        title="Delete tag?"
        onClose={() => setDeletingTag(null)}
        onConfirm={async () => {
          await unwrap(
            api.DELETE("/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/tags/{tag_name}", {
              params: {
                path: {
                  project_name: projectName,
                  repository_name: repoParam(repoPath),
                  reference: deletingTag!.artifact.digest,
                  tag_name: deletingTag!.tag,
                },
              },
            }),
          );
          await invalidate();
        }}
      >
        The tag <b>{deletingTag?.tag}</b> will be removed; the artifact stays.
      </ConfirmModal>
    </PageSection>
  );
}
