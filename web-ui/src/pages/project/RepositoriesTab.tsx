import { useState } from "react";
import { Link } from "react-router";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, SearchInput, Toolbar, ToolbarContent, ToolbarItem } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import { api, repoParam, unwrap, unwrapPage } from "../../api/client";
import { repoPathInProject, type Project, type Repository } from "../../api/queries";
import { ConfirmModal, EmptyTable, ErrorState, Pager, TableSkeleton } from "../../components/common";
import { useDebounced } from "../../components/useDebounced";
import { can, type Permission } from "../../lib/permissions";
import { formatTime } from "../../lib/format";
import { qValue } from "../../lib/q";


export default function RepositoriesTab({ project, permissions }: { project: Project; permissions: Permission[] | undefined }) {
  const qc = useQueryClient();
  const [search, setSearch] = useState("");
  const [page, setPage] = useState(1);
  const [perPage, setPerPage] = useState(10);
  const [deleting, setDeleting] = useState<Repository | null>(null);
  const term = useDebounced(qValue(search.trim()));
  const canDelete = can(permissions, "repository", "delete");

  const repos = useQuery({
    queryKey: ["repositories", project.name, { term, page, perPage }],
    placeholderData: keepPreviousData,
    queryFn: () =>
      unwrapPage(
        api.GET("/api/v2.0/projects/{project_name}/repositories", {
          params: {
            path: { project_name: project.name },
            query: { q: term ? `name=~${term}` : undefined, page, page_size: perPage } as never,
          },
        }),
      ),
  });

  return (
    <>
      <Toolbar>
        <ToolbarContent>
          <ToolbarItem>
            <SearchInput
              placeholder="Search repositories"
              value={search}
              onChange={(_e, v) => {
                setSearch(v);
                setPage(1);
              }}
              onClear={() => setSearch("")}
              data-testid="repository-search"
              aria-label="Search repositories by name"
            />
          </ToolbarItem>
          <ToolbarItem variant="pagination" align={{ default: "alignEnd" }}>
            <Pager isCompact total={repos.data?.total ?? 0} page={page} perPage={perPage} onChange={(p, pp) => (setPage(p), setPerPage(pp))} />
          </ToolbarItem>
        </ToolbarContent>
      </Toolbar>
      {repos.isLoading ? (
        <TableSkeleton />
      ) : repos.isError ? (
        <ErrorState error={repos.error} onRetry={() => repos.refetch()} />
      ) : repos.data!.items.length === 0 ? (
        <EmptyTable title={term ? `No repository matches “${term}”` : "No repositories yet"}>
          {!term && `Push an image to ${window.location.host}/${project.name}/<name>:<tag>.`}
        </EmptyTable>
      ) : (
        <Table aria-label="Repositories" variant="compact" data-testid="repositories-table">
          <Thead>
            <Tr>
              <Th>Name</Th>
              <Th>Artifacts</Th>
              <Th>Pulls</Th>
              <Th>Last modified</Th>
              <Th screenReaderText="Actions" />
            </Tr>
          </Thead>
          <Tbody>
            {repos.data!.items.map((r) => {
              const path = repoPathInProject(project.name, r.name);
              return (
                <Tr key={r.id} data-testid={`repository-row-${path}`}>
                  <Td dataLabel="Name">
                    <Link to={`/projects/${encodeURIComponent(project.name)}/repositories/${path.split("/").map(encodeURIComponent).join("/")}`} data-testid={`repository-link-${path}`}>
                      {r.name}
                    </Link>
                  </Td>
                  <Td dataLabel="Artifacts">{r.artifact_count}</Td>
                  <Td dataLabel="Pulls">{r.pull_count}</Td>
                  <Td dataLabel="Last modified">{formatTime(r.update_time)}</Td>
                  <Td isActionCell>
                    {canDelete && (
                      <Button variant="secondary" isDanger size="sm" data-testid={`delete-repository-${path}`} onClick={() => setDeleting(r)}>
                        Delete
                      </Button>
                    )}
                  </Td>
                </Tr>
              );
            })}
          </Tbody>
        </Table>
      )}
      <ConfirmModal
        isOpen={deleting != null}
        title="Delete repository?"
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          await unwrap(
            api.DELETE("/api/v2.0/projects/{project_name}/repositories/{repository_name}", {
              params: { path: { project_name: project.name, repository_name: repoParam(repoPathInProject(project.name, deleting!.name)) } },
            }),
          );
          await qc.invalidateQueries({ queryKey: ["repositories", project.name] });
          await qc.invalidateQueries({ queryKey: ["project-summary", project.name] });
        }}
      >
        The repository <b>{deleting?.name}</b> and all its artifacts and tags will be deleted.
      </ConfirmModal>
    </>
  );
}
